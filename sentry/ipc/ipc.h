/* System V IPC of the sandbox: one IPC namespace with shared memory segments, semaphore
   sets and message queues, kept by the sentry (sys_shm.c, sys_sem.c, sys_msg.c). Ids,
   keys, permissions and limits are Linux's, with the defaults of a new IPC namespace. */
#ifndef RUNSCC_SENTRY_IPC_H
#define RUNSCC_SENTRY_IPC_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <sys/types.h>

struct task;
struct thread_group;
struct syscall_event;

/* Limits of a new IPC namespace (include/uapi/linux/{shm,sem,msg}.h). */
#define IPC_SHMMAX (UINT64_MAX - (UINT64_C(1) << 24))
#define IPC_SHMALL (UINT64_MAX - (UINT64_C(1) << 24))
#define IPC_SHMMNI 4096
#define IPC_SEMMSL 32000
#define IPC_SEMMNS 1024000000
#define IPC_SEMOPM 500
#define IPC_SEMMNI 32000
#define IPC_SEMVMX 32767
#define IPC_SEMAEM IPC_SEMVMX
#define IPC_MSGMAX 8192
#define IPC_MSGMNB 16384
#define IPC_MSGMNI 32000
/* Access bits for ipc_may (the kernel's names). */
#define S_IRUGO 0444
#define S_IWUGO 0222
#define S_IXUGO 0111

/* Ids are seq * IPC_MNI + index, as Linux's without ipcmni_extend. */
#define IPC_MNI 32768

/* The ipc64_perm of the x86-64 ABI. */
struct ipc_perm_abi {
	int32_t key;
	uint32_t uid, gid, cuid, cgid, mode;
	uint16_t seq, pad;
	uint64_t unused[2];
};

/* What every IPC object has: its key, id and owner. The object of each kind embeds it
   first. */
struct ipc_obj {
	int32_t key;
	int id;
	uid_t uid, cuid;
	gid_t gid, cgid;
	unsigned mode;			/* permission bits, and SHM_DEST / SHM_LOCKED for shm */
	bool removed;			/* IPC_RMID'd (a segment stays while attached) */
};

/* The objects of one kind: slots by index, allocated cyclically as Linux's idr. */
struct ipc_ids {
	struct ipc_obj **slots;
	int nslots;
	int max;			/* shmmni, semmni, msgmni */
	int count;
	int next_idx;
	int seq;
};

struct ipc_get_params {
	int32_t key;
	int flags;			/* IPC_CREAT, IPC_EXCL, the mode */
};

/* What xxxget(2) does with a key: an existing object's id (after `check`, which gives
   the kind's own EINVAL), or a new one from `create` (-errno). */
typedef int (*ipc_check_fn)(struct ipc_obj *obj, void *arg);
typedef int (*ipc_create_fn)(struct task *t, const struct ipc_get_params *p, void *arg,
			     struct ipc_obj **out);
int ipc_get(struct task *t, struct ipc_ids *ids, const struct ipc_get_params *p,
	    ipc_check_fn check, ipc_create_fn create, void *arg);

/* Fills in a new object's owner and mode, gives it an id and a slot; -ENOSPC when full. */
int ipc_add(struct task *t, struct ipc_ids *ids, struct ipc_obj *obj, const struct ipc_get_params *p);
/* Frees the slot (the object itself is the caller's). */
void ipc_remove(struct ipc_ids *ids, struct ipc_obj *obj);
/* The object with this id, or NULL (EINVAL). */
struct ipc_obj *ipc_find(struct ipc_ids *ids, int id);
/* The object at index idx (SHM_STAT & co.), or NULL. */
struct ipc_obj *ipc_at(struct ipc_ids *ids, int idx);
/* The highest index in use, or 0 (IPC_INFO's answer). */
int ipc_max_index(const struct ipc_ids *ids);

/* The object of IPC_STAT (by id) or of XXX_STAT / XXX_STAT_ANY (by index), which t may
   read unless `any`: 0, -EINVAL or -EACCES. */
int ipc_stat_lookup(struct task *t, struct ipc_ids *ids, int id, bool by_index, bool any,
		    struct ipc_obj **out);
/* The object of IPC_SET or IPC_RMID, which t must own: 0, -EINVAL or -EPERM. */
int ipc_owned_lookup(struct task *t, struct ipc_ids *ids, int id, struct ipc_obj **out);

/* Linux's ipcperms: may t have the access of flag's rwx bits (S_IRUGO, S_IWUGO)? */
bool ipc_may(struct task *t, const struct ipc_obj *obj, int flag);
/* May t change or remove obj (its creator or owner, or CAP_SYS_ADMIN)? */
bool ipc_is_owner(struct task *t, const struct ipc_obj *obj);
void ipc_perm_to_abi(const struct ipc_obj *obj, struct ipc_perm_abi *out);
/* IPC_SET: the owner and permission bits from the caller's copy. */
void ipc_perm_set(struct ipc_obj *obj, const struct ipc_perm_abi *in);

/* Wall-clock seconds, for the stat times. */
int64_t ipc_now(void);

/* Waits for a change in the IPC namespace (or a task event) until attempt answers
   anything but SYSCALL_NOT_YET, the deadline (CLOCK_MONOTONIC; NULL: none) passes (the
   attempt sees that for itself) or a signal comes: then `interrupted` (-EINTR, or
   SYSCALL_RESTART / -EINTR as after -ERESTARTNOHAND when it is 0). The first call on the
   receiving thread gives SYSCALL_BLOCK when it would wait. */
#define IPC_WAIT_RESTARTSYS 1	/* `interrupted`: restart after SA_RESTART handlers */
typedef long (*ipc_attempt_fn)(struct task *t, void *arg);
long ipc_wait(struct task *t, struct syscall_event *ev, ipc_attempt_fn attempt, void *arg,
	      const struct timespec *deadline, long interrupted);
/* Something waiters may wait for changed. */
void ipc_wake(void);
/* The CLOCK_MONOTONIC deadline rel (a valid, non-negative timespec) from now; one past what
   time_t holds saturates (it never comes). */
void ipc_deadline_after(const struct timespec *rel, struct timespec *deadline);
/* Has the monotonic deadline passed? */
bool ipc_deadline_passed(const struct timespec *deadline);

/* Per-process state: shared memory attachments, semaphore undo records. */
void ipc_process_fork(struct thread_group *child, struct thread_group *parent, bool shares_vm);
void ipc_process_exec(struct thread_group *tg);
void ipc_process_exit(struct thread_group *tg);

/* Kind-specific parts of those (sys_shm.c, sys_sem.c). */
struct shm_attach;
struct sem_undo;
struct ipc_process {
	struct shm_attach *attaches;	/* utlist */
	struct sem_undo *undos;		/* utlist */
};
/* tg's record, made on first use (NULL: out of memory). */
struct ipc_process *ipc_process_of(struct thread_group *tg);
void shm_process_fork(struct ipc_process *child, const struct ipc_process *parent);
void shm_detach_all(struct thread_group *tg);
void sem_undo_apply_all(struct thread_group *tg);
/* A guest munmap or MAP_FIXED mmap of [addr, addr+len): attachments inside it are gone. */
void shm_unmapped(struct task *t, uint64_t addr, uint64_t len);

/* /proc/sysvipc/{shm,sem,msg}. */
int shm_proc_show(FILE *m);
/* The segments there are, their sizes and the memory they hold, added up. */
void shm_totals(size_t *segments, uint64_t *bytes, uint64_t *resident);
int sem_proc_show(FILE *m);
int msg_proc_show(FILE *m);

#endif
