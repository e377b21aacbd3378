/* OCI hooks: each one a host program run with the container's state JSON on stdin, within
   its timeout. */
#ifndef RUNSCC_OCI_HOOKS_H
#define RUNSCC_OCI_HOOKS_H

#include <json-c/json.h>

#include "oci/spec.h"

/* Runs every hook of kind in hooks (config.json's validated "hooks" object; NULL: none), in
   order. The first that fails (non-zero exit, killed, timed out) ends it with an error that
   names it and quotes its output. */
int oci_hooks_run(json_object *hooks, enum oci_hook_kind kind, json_object *state);

#endif
