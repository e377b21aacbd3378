/* Self-confinement steps shared by the sentry, the gofer and guest processes. */
#ifndef RUNSCC_COMMON_CONFINE_H
#define RUNSCC_COMMON_CONFINE_H

#include <stdint.h>
#include <linux/capability.h>

#define CAP_MASK(c) (UINT64_C(1) << (c))

/* Moves the calling process into a private mount namespace whose root is an empty, read-only
   tmpfs; the host's tree is detached from it. */
int confine_enter_empty_root(void);

/* Keeps only the capabilities in keep (bounding, permitted, effective; inheritable and ambient
   cleared) and sets no_new_privs. */
int confine_drop_caps(uint64_t keep);

struct sock_fprog;
/* Exports a libseccomp context as a BPF program (out->filter is malloc'd). */
int confine_export_filter(void *scmp_ctx, struct sock_fprog *out);

/* Loads a BPF program exported from a libseccomp context with the given seccomp() flags;
   returns the listener fd when flags has SECCOMP_FILTER_FLAG_NEW_LISTENER, else 0. In a
   sanitizer build (RUNSCC_SANITIZE) the sanitizer runtime's own syscalls are allowed too. */
int confine_load_filter(void *scmp_ctx, unsigned int flags);

#endif
