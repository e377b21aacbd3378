/* linux.resources.devices on a cgroup v2 hierarchy: a BPF_PROG_TYPE_CGROUP_DEVICE program,
   as runc and crun attach one. */
#ifndef RUNSCC_OCI_DEVICE_FILTER_H
#define RUNSCC_OCI_DEVICE_FILTER_H

#include "oci/spec.h"

#include <stddef.h>

/* Loads the program for rules (in order, with cgroup v1's semantics: "a" resets to allow
   or deny all, later rules add exceptions or take them back) and attaches it to the cgroup
   v2 directory cgroup_fd. 0 or -errno. */
int oci_device_filter_attach(int cgroup_fd, const struct oci_device_rule *rules, size_t n);

#endif
