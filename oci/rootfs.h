/* What runc looks up in the container's root filesystem before the process starts: the
   user's home directory (HOME when the environment has none) and the program (so that a
   missing or non-executable one fails create with runc's words, which Docker maps to exit
   codes 127 and 126). The rootfs is untrusted: every lookup stays inside it
   (openat2 RESOLVE_IN_ROOT). */
#ifndef RUNSCC_OCI_ROOTFS_H
#define RUNSCC_OCI_ROOTFS_H

#include <json-c/json.h>

#include "sandbox/sandbox.h"

/* Adds HOME=<uid's home in ROOTFS/etc/passwd, "/" if none> to p->env unless it has HOME;
   the new string is kept alive by owned (a json array). */
int oci_rootfs_set_home(const char *rootfs, struct sandbox_process *p, json_object *owned);

/* p->argv[0] resolves (PATH from p->env) to an executable file of the rootfs, or lies under
   one of the mounts (which the rootfs cannot tell about). Errors are runc's, after prefix
   (runc's "runc create failed: ", "exec failed: "). */
int oci_rootfs_check_exec(const char *rootfs, const struct sandbox_process *p,
			  const struct sandbox_mount *mounts, size_t nmounts, const char *prefix);

#endif
