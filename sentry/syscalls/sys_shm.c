/* System V shared memory. A segment is a memfd of the sentry's (sealed against resizing);
   shmat maps it into the guest with the host's mmap, so the memory is shared by every
   process that attaches it. The guest cannot be made to map an fd it does not hold, so
   shmat, stopped in the tracer, runs three calls of the sentry's in the guest, each a
   rewrite whose syscall-exit stop sends the thread back to shmat: a marker that installs
   the segment's fd (a description with the attach's access mode) at a free number, an
   mmap of that number, and its close. Every step rests on registers and on an fd the
   sentry installed; a signal in between restarts shmat, which goes on where it was.
   shmdt is a rewritten munmap. The sentry keeps each process's attachments (fork copies
   them, exec and exit drop them, the guest's own munmap of one detaches it) for
   shm_nattch and the removal of a segment marked with IPC_RMID. */
#define _GNU_SOURCE
#include "sentry/syscalls/syscalls.h"
#include "sentry/ipc/ipc.h"
#include "sentry/kernel.h"
#include "sentry/fs/fs.h"
#include "sentry/fs/memfs.h"
#include "sentry/fs/reopen.h"
#include "sentry/mm/guest_mem.h"
#include "sentry/task/fdtable.h"
#include "sentry/task/task.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <utlist.h>

#define PAGE 4096ULL
#define SHMLBA_X86 4096ULL

struct shm_seg {
	struct ipc_obj obj;
	uint64_t size;
	int memfd;
	int64_t atime, dtime, ctime;
	pid_t cpid, lpid;
	uint64_t nattch;
};

struct shm_attach {
	struct shm_seg *seg;
	uint64_t addr, len;
	struct shm_attach *next;
};

/* A shmat between its steps (kept in the process's record, by thread). */
enum shmat_stage { SHMAT_INSTALL, SHMAT_MAP, SHMAT_CLOSE };
struct shmat_pending {
	pid_t tgid, tid;
	uint64_t args[3];
	enum shmat_stage stage;
	bool installed;
	bool counted;			/* holds one of seg's nattch until attached */
	struct shm_seg *seg;
	struct file *file;
	int fd;
	uint64_t addr;
	int prot, flags;
	long result;
	struct shmat_pending *next;
};
static struct shmat_pending *pendings;

/* The x86-64 shmid64_ds, shminfo64 and shm_info. */
struct shmid_ds_abi {
	struct ipc_perm_abi perm;
	uint64_t segsz;
	int64_t atime, dtime, ctime;
	int32_t cpid, lpid;
	uint64_t nattch, unused[2];
};
struct shminfo_abi {
	uint64_t shmmax, shmmin, shmmni, shmseg, shmall, unused[4];
};
struct shm_info_abi {
	int32_t used_ids;
	uint64_t shm_tot, shm_rss, shm_swp, swap_attempts, swap_successes;
};

static struct ipc_ids shm_ids = { .max = IPC_SHMMNI };
static uint64_t shm_pages;		/* of every segment: shm_tot */

static uint64_t pages_of(uint64_t size)
{
	return size / PAGE + (size % PAGE != 0);
}

static void seg_destroy(struct shm_seg *seg)
{
	ipc_remove(&shm_ids, &seg->obj);
	shm_pages -= pages_of(seg->size);
	memfs_budget_give(pages_of(seg->size) * PAGE);
	vfs_mapped_forget(seg);
	close(seg->memfd);
	free(seg);
}

static void seg_unref(struct shm_seg *seg)
{
	if (--seg->nattch == 0 && seg->obj.removed)
		seg_destroy(seg);
}

static void seg_detached(struct shm_seg *seg, pid_t pid)
{
	seg->dtime = ipc_now();
	seg->lpid = pid;
	seg_unref(seg);
}

static int seg_fill(struct task *t, const struct ipc_get_params *p, uint64_t size, struct ipc_obj **out);

static int seg_create(struct task *t, const struct ipc_get_params *p, void *arg, struct ipc_obj **out)
{
	uint64_t size = *(const uint64_t *)arg;
	if (size < 1 || size > IPC_SHMMAX)
		return -EINVAL;
	uint64_t pages = pages_of(size);
	if (shm_pages + pages < shm_pages || shm_pages + pages > IPC_SHMALL / PAGE)
		return -ENOSPC;
	if (shm_ids.count >= shm_ids.max)
		return -ENOSPC;
	/* A segment's whole size counts in the bound on the sandbox's file memory (tmpfs
	   style), so that segments and files together fit in the sandbox's memory. */
	if (memfs_budget_take(pages * PAGE) < 0)
		return -ENOSPC;
	int r = seg_fill(t, p, size, out);
	if (r < 0)
		memfs_budget_give(pages * PAGE);
	return r;
}

static int seg_fill(struct task *t, const struct ipc_get_params *p, uint64_t size, struct ipc_obj **out)
{
	uint64_t pages = pages_of(size);
	char name[32];
	snprintf(name, sizeof(name), "SYSV%08x", (unsigned)p->key);
	int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	/* A segment never changes size, whoever holds its fd for a moment (shmat). */
	if (ftruncate(fd, (off_t)size) < 0 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0) {
		int r = errno == EFBIG ? -EINVAL : -errno;
		close(fd);
		return r;
	}
	struct shm_seg *seg = calloc(1, sizeof(*seg));
	if (!seg) {
		close(fd);
		return -ENOMEM;
	}
	seg->size = size;
	seg->memfd = fd;
	seg->ctime = ipc_now();
	seg->cpid = t->tg->tgid;
	int r = ipc_add(t, &shm_ids, &seg->obj, p);
	if (r < 0) {
		close(fd);
		free(seg);
		return r;
	}
	shm_pages += pages;
	/* Its mappings in /proc/PID/maps, as Linux names them (the shm mount, the id as inode). */
	char mapped_name[40];
	snprintf(mapped_name, sizeof(mapped_name), "/SYSV%08x (deleted)", (unsigned)p->key);
	vfs_mapped_note_object(seg, fd, mapped_name, makedev(0, 1), (uint64_t)seg->obj.id);
	*out = &seg->obj;
	return 0;
}

static int seg_check(struct ipc_obj *obj, void *arg)
{
	return ((struct shm_seg *)obj)->size < *(const uint64_t *)arg ? -EINVAL : 0;
}

SYSCALL(shmget)
{
	struct ipc_get_params p = { (int32_t)ev->args[0], (int)ev->args[2] };
	uint64_t size = ev->args[1];
	return ipc_get(t, &shm_ids, &p, seg_check, seg_create, &size);
}

static struct shm_seg *seg_find(int id)
{
	return (struct shm_seg *)ipc_find(&shm_ids, id);
}

static void seg_to_abi(const struct shm_seg *seg, struct shmid_ds_abi *out)
{
	memset(out, 0, sizeof(*out));
	ipc_perm_to_abi(&seg->obj, &out->perm);
	out->segsz = seg->size;
	out->atime = seg->atime;
	out->dtime = seg->dtime;
	out->ctime = seg->ctime;
	out->cpid = seg->cpid;
	out->lpid = seg->lpid;
	out->nattch = seg->nattch;
}

static long shm_info(struct task *t, int cmd, uint64_t buf)
{
	int r;
	if (cmd == IPC_INFO) {
		struct shminfo_abi info = { IPC_SHMMAX, 1, IPC_SHMMNI, IPC_SHMMNI, IPC_SHMALL, { 0 } };
		r = guest_write(t, buf, &info, sizeof(info));
	} else {
		struct shm_info_abi info = { .used_ids = shm_ids.count, .shm_tot = shm_pages };
		for (int i = 0; i < shm_ids.nslots; i++) {
			struct shm_seg *seg = (struct shm_seg *)shm_ids.slots[i];
			struct stat st;
			if (seg && fstat(seg->memfd, &st) == 0)
				info.shm_rss += (uint64_t)st.st_blocks * 512 / PAGE;
		}
		r = guest_write(t, buf, &info, sizeof(info));
	}
	return r < 0 ? r : ipc_max_index(&shm_ids);
}

SYSCALL(shmctl)
{
	int id = (int)ev->args[0], cmd = (int)ev->args[1];
	uint64_t buf = ev->args[2];
	struct shmid_ds_abi ds;
	struct ipc_obj *obj;
	struct shm_seg *seg;
	int r;

	if (cmd < 0 || id < 0)
		return -EINVAL;
	switch (cmd) {
	case IPC_INFO:
	case SHM_INFO:
		return shm_info(t, cmd, buf);
	case IPC_STAT:
	case SHM_STAT:
	case SHM_STAT_ANY:
		r = ipc_stat_lookup(t, &shm_ids, id, cmd != IPC_STAT, cmd == SHM_STAT_ANY, &obj);
		if (r < 0)
			return r;
		seg = (struct shm_seg *)obj;
		seg_to_abi(seg, &ds);
		r = guest_write(t, buf, &ds, sizeof(ds));
		return r < 0 ? r : cmd == IPC_STAT ? 0 : seg->obj.id;
	case IPC_SET:
		r = guest_read(t, buf, &ds, sizeof(ds));
		if (r < 0 || (r = ipc_owned_lookup(t, &shm_ids, id, &obj)) < 0)
			return r;
		seg = (struct shm_seg *)obj;
		ipc_perm_set(&seg->obj, &ds.perm);
		seg->ctime = ipc_now();
		return 0;
	case IPC_RMID:
		if ((r = ipc_owned_lookup(t, &shm_ids, id, &obj)) < 0)
			return r;
		seg = (struct shm_seg *)obj;
		/* Gone by key at once; the memory stays until the last detach. */
		seg->obj.removed = true;
		seg->obj.mode |= SHM_DEST;
		seg->obj.key = IPC_PRIVATE;
		if (seg->nattch == 0)
			seg_destroy(seg);
		return 0;
	case SHM_LOCK:
	case SHM_UNLOCK:
		if (!(seg = seg_find(id)))
			return -EINVAL;
		if (!task_capable(t, CAP_IPC_LOCK)) {
			uid_t euid = task_creds(t)->euid;
			if (euid != seg->obj.uid && euid != seg->obj.cuid)
				return -EPERM;
			if (cmd == SHM_LOCK && t->tg->rlimits[RLIMIT_MEMLOCK].rlim_cur == 0)
				return -EPERM;
		}
		if (cmd == SHM_LOCK)
			seg->obj.mode |= SHM_LOCKED;
		else
			seg->obj.mode &= ~(unsigned)SHM_LOCKED;
		return 0;
	default:
		return -EINVAL;
	}
}

static struct shmat_pending *pending_find(struct task *t)
{
	struct shmat_pending *p;
	LL_FOREACH(pendings, p)
		if (p->tid == t->tid && p->tgid == t->tg->tgid)
			return p;
	return NULL;
}

static void pending_drop(struct shmat_pending *p)
{
	LL_DELETE(pendings, p);
	if (p->counted)
		seg_unref(p->seg);
	file_put(p->file);
	free(p);
}

/* The steps' syscall-exit stops: each sends the thread back to shmat for the next one. */
static long shmat_installed(struct task *t, long host_result)
{
	struct shmat_pending *p = pending_find(t);
	/* The marker is no syscall: ENOSYS says the listener installed and let it run. */
	if (p && host_result == -ENOSYS) {
		p->installed = true;
		p->stage = SHMAT_MAP;
	}
	return SYSCALL_RESTART;
}

static struct shm_attach *attach_add(struct thread_group *tg, struct shm_seg *seg, uint64_t addr)
{
	struct ipc_process *ipc = ipc_process_of(tg);
	struct shm_attach *a = ipc ? calloc(1, sizeof(*a)) : NULL;
	if (!a)
		return NULL;
	a->seg = seg;
	a->addr = addr;
	a->len = pages_of(seg->size) * PAGE;
	LL_APPEND(ipc->attaches, a);
	return a;
}

static long shmat_mapped(struct task *t, long host_result)
{
	struct shmat_pending *p = pending_find(t);
	if (!p)
		return SYSCALL_RESTART;
	if (host_result >= 0 || host_result < -4095) {
		/* The attachment takes over the count shmat held. */
		if (attach_add(t->tg, p->seg, (uint64_t)host_result))
			p->counted = false;
		else
			log_warn("out of memory recording a shmat attachment");
		p->seg->atime = ipc_now();
		p->seg->lpid = t->tg->tgid;
		p->result = host_result;
	} else {
		/* An existing mapping where SHM_REMAP was not given is Linux's EINVAL. */
		p->result = host_result == -EEXIST ? -EINVAL : host_result;
	}
	p->stage = SHMAT_CLOSE;
	return SYSCALL_RESTART;
}

static long shmat_closed(struct task *t, long host_result)
{
	(void)host_result;
	struct shmat_pending *p = pending_find(t);
	if (!p)
		return -EINVAL;
	/* Under unotify the close went through the sentry's close; under ptrace the host ran
	   it alone. */
	if (fd_get(t, p->fd) == p->file) {
		bool host;
		fd_remove(t, p->fd, &host);
	}
	long r = p->result;
	pending_drop(p);
	return r;
}

/* A rewrite into one of the sentry's own calls, whose exit stop calls `done`. */
static long shmat_rewrite(struct task *t, struct syscall_event *ev, int nr, const uint64_t args[6],
			  long (*done)(struct task *, long))
{
	ev->rewrite_nr = nr;
	memcpy(ev->args, args, sizeof(ev->args));
	ev->rewrite_trace_exit = true;
	t->syscall_exit = done;
	return SYSCALL_REWRITE;
}

static long shmat_begin(struct task *t, struct syscall_event *ev)
{
	int id = (int)ev->args[0], flg = (int)ev->args[2];
	uint64_t addr = ev->args[1];
	int flags = MAP_SHARED;

	if (id < 0)
		return -EINVAL;
	if (addr) {
		if (addr & (SHMLBA_X86 - 1)) {
			if (!(flg & SHM_RND))
				return -EINVAL;
			addr &= ~(SHMLBA_X86 - 1);
			if (!addr && (flg & SHM_REMAP))
				return -EINVAL;
		}
		flags |= (flg & SHM_REMAP) ? MAP_FIXED : MAP_FIXED_NOREPLACE;
	} else if (flg & SHM_REMAP) {
		return -EINVAL;
	}
	int prot = PROT_READ, acc = S_IRUGO, mode = O_RDONLY;
	if (!(flg & SHM_RDONLY)) {
		prot |= PROT_WRITE;
		acc |= S_IWUGO;
		mode = O_RDWR;
	}
	if (flg & SHM_EXEC) {
		prot |= PROT_EXEC;
		acc |= S_IXUGO;
	}
	struct shm_seg *seg = seg_find(id);
	if (!seg)
		return -EINVAL;
	if (!ipc_may(t, &seg->obj, acc))
		return -EACCES;
	if (!ev->via_tracer)
		return -ENOSYS;
	/* The description has the attach's access mode: the host refuses a writable mapping
	   of a read-only attach, and PROT_WRITE by mprotect later. */
	int fd = mode == O_RDWR ? fcntl(seg->memfd, F_DUPFD_CLOEXEC, 3) : reopener_reopen(seg->memfd, mode);
	if (fd < 0)
		return fd == -1 ? -errno : fd;
	struct file *f = hostfd_file_new(fd);
	if (!f) {
		close(fd);
		return -ENOMEM;
	}
	struct shmat_pending *p = calloc(1, sizeof(*p));
	if (!p) {
		file_put(f);
		return -ENOMEM;
	}
	int gfd = fd_install(t, ev, f, true, 0);
	if (gfd < 0) {
		file_put(f);
		free(p);
		return gfd;
	}
	*p = (struct shmat_pending){ .tgid = t->tg->tgid, .tid = t->tid, .stage = SHMAT_INSTALL, .counted = true, .seg = seg, .file = f,
				     .fd = gfd, .addr = addr, .prot = prot, .flags = flags };
	memcpy(p->args, ev->args, sizeof(p->args));
	/* The segment stays while the attach is under way, even if removed meanwhile. */
	seg->nattch++;
	LL_APPEND(pendings, p);
	const uint64_t marker[6] = { 0, 0, 0, 0, 0, PLATFORM_MARKER_MAGIC };
	return shmat_rewrite(t, ev, PLATFORM_MARKER_NR, marker, shmat_installed);
}

SYSCALL(shmat)
{
	struct shmat_pending *p = pending_find(t);
	if (p && memcmp(p->args, ev->args, sizeof(p->args))) {
		/* Another shmat (a signal handler's) came between the steps: start over. */
		pending_drop(p);
		p = NULL;
	}
	if (!p)
		return shmat_begin(t, ev);
	if (fd_get(t, p->fd) != p->file) {
		/* The guest closed or replaced the number meanwhile. */
		pending_drop(p);
		return -EINVAL;
	}
	switch (p->stage) {
	case SHMAT_INSTALL: {
		/* The marker did not run (a signal came first): install again. */
		int r = ev->ops->install_fd(ev, p->file->host_fd, p->fd, true);
		if (r < 0)
			return r;
		const uint64_t marker[6] = { 0, 0, 0, 0, 0, PLATFORM_MARKER_MAGIC };
		return shmat_rewrite(t, ev, PLATFORM_MARKER_NR, marker, shmat_installed);
	}
	case SHMAT_MAP: {
		const uint64_t mmap_args[6] = { p->addr, pages_of(p->seg->size) * PAGE, (uint64_t)p->prot,
						(uint64_t)p->flags, (uint64_t)p->fd, 0 };
		return shmat_rewrite(t, ev, SYS_mmap, mmap_args, shmat_mapped);
	}
	case SHMAT_CLOSE:
	default: {
		const uint64_t close_args[6] = { (uint64_t)p->fd, 0, 0, 0, 0, 0 };
		return shmat_rewrite(t, ev, SYS_close, close_args, shmat_closed);
	}
	}
}

static void attach_drop(struct thread_group *tg, struct shm_attach *a)
{
	LL_DELETE(tg->ipc->attaches, a);
	seg_detached(a->seg, tg->tgid);
	free(a);
}

void shm_unmapped(struct task *t, uint64_t addr, uint64_t len)
{
	struct ipc_process *ipc = t->tg->ipc;
	if (!ipc)
		return;
	uint64_t end = addr + len < addr ? UINT64_MAX : addr + len;
	struct shm_attach *a, *tmp;
	LL_FOREACH_SAFE(ipc->attaches, a, tmp)
		if (a->addr >= addr && a->addr + a->len <= end)
			attach_drop(t->tg, a);
}

SYSCALL(shmdt)
{
	uint64_t addr = ev->args[0];
	if (addr & (PAGE - 1))
		return -EINVAL;
	struct shm_attach *a = NULL;
	if (t->tg->ipc)
		LL_SEARCH_SCALAR(t->tg->ipc->attaches, a, addr, addr);
	if (!a)
		return -EINVAL;
	if (!ev->via_tracer)
		return -ENOSYS;
	/* The munmap of a whole page-aligned attachment does not fail. */
	ev->rewrite_nr = SYS_munmap;
	const uint64_t args[6] = { addr, a->len, 0, 0, 0, 0 };
	memcpy(ev->args, args, sizeof(args));
	attach_drop(t->tg, a);
	return SYSCALL_REWRITE;
}

void shm_process_fork(struct ipc_process *child, const struct ipc_process *parent)
{
	struct shm_attach *a;
	LL_FOREACH(parent->attaches, a) {
		struct shm_attach *copy = malloc(sizeof(*copy));
		if (!copy)
			break;
		*copy = *a;
		copy->seg->nattch++;
		LL_APPEND(child->attaches, copy);
	}
}

void shm_detach_all(struct thread_group *tg)
{
	while (tg->ipc->attaches)
		attach_drop(tg, tg->ipc->attaches);
	struct shmat_pending *p, *tmp;
	LL_FOREACH_SAFE(pendings, p, tmp)
		if (p->tgid == tg->tgid)
			pending_drop(p);
}

void shm_totals(size_t *segments, uint64_t *bytes, uint64_t *resident)
{
	*segments = 0;
	*bytes = *resident = 0;
	for (int i = 0; i < shm_ids.nslots; i++) {
		struct shm_seg *s = (struct shm_seg *)shm_ids.slots[i];
		struct stat st;
		if (!s)
			continue;
		(*segments)++;
		*bytes += s->size;
		if (fstat(s->memfd, &st) == 0)
			*resident += (uint64_t)st.st_blocks * 512;
	}
}

int shm_proc_show(FILE *m)
{
	fprintf(m, "       key      shmid perms                  size  cpid  lpid nattch   uid   gid  cuid  cgid      atime      dtime      ctime                   rss                  swap\n");
	for (int i = 0; i < shm_ids.nslots; i++) {
		struct shm_seg *s = (struct shm_seg *)shm_ids.slots[i];
		if (!s)
			continue;
		struct stat st;
		uint64_t rss = fstat(s->memfd, &st) == 0 ? (uint64_t)st.st_blocks * 512 : 0;
		fprintf(m, "%10d %10d  %4o %21lu %5d %5d  %5lu %5u %5u %5u %5u %10lld %10lld %10lld %21lu %21lu\n",
			s->obj.key, s->obj.id, s->obj.mode, (unsigned long)s->size, s->cpid, s->lpid,
			(unsigned long)s->nattch, s->obj.uid, s->obj.gid, s->obj.cuid, s->obj.cgid,
			(long long)s->atime, (long long)s->dtime, (long long)s->ctime,
			(unsigned long)rss, 0UL);
	}
	return 0;
}
