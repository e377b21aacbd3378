/* Capability sets as Docker and runc make them: Docker's default set, --cap-add/--cap-drop
   lists, runc exec --cap. Sets are bit masks (1 << CAP_X). */
#ifndef RUNSCC_OCI_CAPS_H
#define RUNSCC_OCI_CAPS_H

#include <stdbool.h>
#include <stdint.h>

#include "sandbox/sandbox.h"

/* What Docker gives a container unless told otherwise. */
uint64_t oci_caps_docker_default(void);

/* Every capability this system knows. */
uint64_t oci_caps_all(void);

/* --cap-add / --cap-drop, accumulated over repeated flags: names with or without CAP_, any
   case, separated by commas; ALL names every capability. */
struct oci_caps_change {
	uint64_t add, drop;
	bool add_all, drop_all;
};

/* Adds the names in list to ch (add or drop); -EINVAL (with a message) for an unknown name. */
int oci_caps_change_parse(struct oci_caps_change *ch, const char *list, bool add);

/* Docker's rule (TweakCapabilities): adding ALL gives everything not dropped; dropping ALL
   keeps only what is added; otherwise base less what is dropped plus what is added. */
uint64_t oci_caps_apply_change(uint64_t base, const struct oci_caps_change *ch);

/* p's sets as Docker configures a container's process with the capabilities caps: bounding,
   effective and permitted; nothing inheritable or ambient. */
void oci_caps_set_process(struct sandbox_process *p, uint64_t caps);

/* runc exec --cap NAME: the capability joins bounding, effective and permitted, and ambient
   when the process has inheritable capabilities. */
int oci_caps_exec_add(struct sandbox_process *p, const char *name);

#endif
