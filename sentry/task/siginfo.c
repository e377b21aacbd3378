/* Virtual ids in every siginfo a guest receives (see siginfo.h). */
#define _GNU_SOURCE
#include "sentry/task/siginfo.h"
#include "sentry/task/task.h"
#include "common/log.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>

/* The part of a siginfo after signo, errno and code that the kernel keeps (its union of
   per-kind fields: 32 bytes on x86-64). */
#define SI_FIELDS_OFFSET offsetof(siginfo_t, _sifields)
#define SI_FIELDS_SIZE 32
/* Records kept per process: a signal read with signalfd leaves its record unmatched, and
   the oldest goes once there are this many. */
#define SENT_MAX 64
/* Linux's overflowuid: how a uid the receiver cannot name shows. */
#define OVERFLOW_UID 65534

struct sent_signal {
	int sig;
	int code;			/* what Linux would give: SI_USER, SI_TKILL, CLD_* */
	unsigned char fields[SI_FIELDS_SIZE];
	struct sent_signal *next;
};

void siginfo_user(siginfo_t *si, int sig, int code, const struct thread_group *sender)
{
	memset(si, 0, sizeof(*si));
	si->si_signo = sig;
	si->si_code = code;
	if (sender) {
		si->si_pid = sender->tgid;
		si->si_uid = sender->creds.ruid;
	}
}

static clock_t to_ticks(const struct timeval *tv)
{
	long hz = sysconf(_SC_CLK_TCK);
	return (clock_t)(tv->tv_sec * hz + tv->tv_usec / (1000000 / hz));
}

void siginfo_child(siginfo_t *si, int sig, const struct thread_group *child)
{
	siginfo_user(si, sig, 0, child);
	int st = child->exit_status;
	if (child->exited && WIFEXITED(st)) {
		si->si_code = CLD_EXITED;
		si->si_status = WEXITSTATUS(st);
	} else if (child->exited) {
		si->si_code = WCOREDUMP(st) ? CLD_DUMPED : CLD_KILLED;
		si->si_status = WTERMSIG(st);
	} else if (child->stopped) {
		si->si_code = CLD_STOPPED;
		si->si_status = child->stop_signal;
	} else {
		si->si_code = CLD_CONTINUED;
		si->si_status = SIGCONT;
	}
	if (child->exited) {
		si->si_utime = to_ticks(&child->rusage.ru_utime);
		si->si_stime = to_ticks(&child->rusage.ru_stime);
	}
}

static void record_sent(struct thread_group *tg, const siginfo_t *si)
{
	struct sent_signal *rec = calloc(1, sizeof(*rec));
	if (!rec) {
		log_warn("out of memory recording a signal's origin");
		return;
	}
	rec->sig = si->si_signo;
	rec->code = si->si_code;
	memcpy(rec->fields, (const char *)si + SI_FIELDS_OFFSET, SI_FIELDS_SIZE);
	struct sent_signal **tail = &tg->sent_signals;
	int n = 0;
	while (*tail) {
		tail = &(*tail)->next;
		n++;
	}
	*tail = rec;
	if (n + 1 > SENT_MAX) {
		struct sent_signal *oldest = tg->sent_signals;
		tg->sent_signals = oldest->next;
		free(oldest);
	}
}

int signal_send(struct thread_group *tg, struct task *thread, const siginfo_t *si)
{
	int sig = si->si_signo;
	if (sig == SIGKILL && !thread)
		tg->killed = true;
	siginfo_t q = *si;
	q.si_code = SI_QUEUE;
	long r = thread ? syscall(SYS_rt_tgsigqueueinfo, tg->host_pid, thread->host_tid, sig, &q)
			: syscall(SYS_rt_sigqueueinfo, tg->host_pid, sig, &q);
	if (r < 0)
		return -errno;
	if (sig != 0 && sig != SIGKILL)
		record_sent(tg, si);
	return 0;
}

/* Does a signal the caller may send do nothing: signal 0 (a check), a zombie, or a signal
   the sandbox's pid 1 does not handle? Like the init of a pid namespace, pid 1 only gets the
   signals it handles: the others (SIGKILL and SIGSTOP included) are dropped. */
bool signal_dropped(struct thread_group *tg, int sig)
{
	if (sig == 0 || tg->exited)
		return true;
	if (tg->tgid != 1)
		return false;
	struct task *any = thread_group_any(tg);
	uint64_t handler = any ? any->sighand->action[sig].handler : 0;
	return handler == (uint64_t)(uintptr_t)SIG_DFL || handler == (uint64_t)(uintptr_t)SIG_IGN;
}

int signal_self(struct task *t, int sig)
{
	siginfo_t si;
	siginfo_user(&si, sig, SI_USER, t->tg);
	return signal_send(t->tg, t, &si);
}

pid_t host_pid_to_guest(pid_t host_pid)
{
	struct task *t = host_pid > 0 ? task_by_host_tid(host_pid) : NULL;
	return t ? t->tg->tgid : 0;
}

/* A signal the sentry sent: its code back, its record gone. */
static bool restore_sent(struct thread_group *tg, siginfo_t *si)
{
	for (struct sent_signal **p = &tg->sent_signals; *p; p = &(*p)->next) {
		struct sent_signal *rec = *p;
		if (rec->sig != si->si_signo ||
		    memcmp(rec->fields, (const char *)si + SI_FIELDS_OFFSET, SI_FIELDS_SIZE))
			continue;
		si->si_code = rec->code;
		*p = rec->next;
		free(rec);
		return true;
	}
	return false;
}

bool siginfo_to_guest(struct task *receiver, siginfo_t *si)
{
	if (si->si_code == SI_QUEUE)
		return restore_sent(receiver->tg, si);
	if (si->si_code != SI_USER && si->si_code != SI_TKILL)
		return false;
	/* Filled in by the host kernel: the sender is named by host pid and uid. */
	struct task *sender = si->si_pid > 0 ? task_by_host_tid(si->si_pid) : NULL;
	pid_t pid = sender ? sender->tg->tgid : 0;
	uid_t uid = sender ? sender->tg->creds.ruid : si->si_uid == 0 ? 0 : OVERFLOW_UID;
	if (pid == si->si_pid && uid == si->si_uid)
		return false;
	si->si_pid = pid;
	si->si_uid = uid;
	return true;
}

bool signalfd_info_to_guest(struct task *receiver, struct signalfd_siginfo *ssi)
{
	if (ssi->ssi_code != SI_QUEUE) {
		siginfo_t si = { .si_signo = (int)ssi->ssi_signo, .si_code = ssi->ssi_code };
		si.si_pid = (pid_t)ssi->ssi_pid;
		si.si_uid = ssi->ssi_uid;
		if (!siginfo_to_guest(receiver, &si))
			return false;
		ssi->ssi_pid = (uint32_t)si.si_pid;
		ssi->ssi_uid = si.si_uid;
		return true;
	}
	/* signalfd shows a queued signal's pid, uid and value: the first 16 bytes of what the
	   sentry sent, enough to find its record. */
	unsigned char shown[16];
	memcpy(shown, &ssi->ssi_pid, 4);
	memcpy(shown + 4, &ssi->ssi_uid, 4);
	memcpy(shown + 8, &ssi->ssi_ptr, 8);
	for (struct sent_signal **p = &receiver->tg->sent_signals; *p; p = &(*p)->next) {
		struct sent_signal *rec = *p;
		if (rec->sig != (int)ssi->ssi_signo || memcmp(rec->fields, shown, sizeof(shown)))
			continue;
		siginfo_t si = { .si_signo = rec->sig, .si_code = rec->code };
		memcpy((char *)&si + SI_FIELDS_OFFSET, rec->fields, SI_FIELDS_SIZE);
		/* What Linux's signalfd shows of a kill's or a child's siginfo. */
		ssi->ssi_code = rec->code;
		ssi->ssi_int = 0;
		ssi->ssi_ptr = 0;
		if (rec->sig == SIGCHLD && rec->code > 0) {
			ssi->ssi_status = si.si_status;
			ssi->ssi_utime = (uint64_t)si.si_utime;
			ssi->ssi_stime = (uint64_t)si.si_stime;
		}
		*p = rec->next;
		free(rec);
		return true;
	}
	return false;
}

void signal_records_free(struct thread_group *tg)
{
	while (tg->sent_signals) {
		struct sent_signal *next = tg->sent_signals->next;
		free(tg->sent_signals);
		tg->sent_signals = next;
	}
}
