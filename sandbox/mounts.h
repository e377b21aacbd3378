/* The container's mounts in the sandbox spec (JSON, json-c), and the bind sources the gofer
   serves. Bind mounts are numbered in spec order: the i-th bind is gofer root i + 1 (root 0
   is the rootfs). */
#ifndef RUNSCC_SANDBOX_MOUNTS_H
#define RUNSCC_SANDBOX_MOUNTS_H

#include <json-c/json.h>

#include "sandbox/sandbox.h"

/* Adds "mounts", "root_readonly", "masked_paths", "readonly_paths" and "files" to o. */
int sandbox_mounts_to_json(const struct sandbox_spec *s, json_object *o);
/* Reads them back into cfg (strings owned by cfg); -EINVAL if malformed. */
int sandbox_mounts_from_json(json_object *o, struct boot_config *cfg);
/* How many argv slots sandbox_mounts_gofer_args may fill. */
size_t sandbox_mounts_gofer_nargs(const struct sandbox_spec *s);
/* Appends the gofer's --mount-ro/--mount-rw SOURCE for each bind, in root order. */
void sandbox_mounts_gofer_args(const struct sandbox_spec *s, char **argv, int *n);

#endif
