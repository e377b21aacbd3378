/* config.json (OCI runtime spec) -> struct sandbox_spec, with strict validation: every field
   this runtime reads has its type checked, paths are absolute and free of "..", and any
   error names the field. */
#ifndef RUNSCC_OCI_SPEC_H
#define RUNSCC_OCI_SPEC_H

#include <stdbool.h>
#include <stdint.h>
#include <json-c/json.h>

#include "sandbox/sandbox.h"

/* Bigger config.json files are refused (runc's are a few KiB; Docker's under 64 KiB). */
#define OCI_CONFIG_MAX (4u << 20)

enum oci_hook_kind {
	OCI_HOOK_PRESTART,
	OCI_HOOK_CREATE_RUNTIME,
	OCI_HOOK_CREATE_CONTAINER,
	OCI_HOOK_START_CONTAINER,
	OCI_HOOK_POSTSTART,
	OCI_HOOK_POSTSTOP,
	OCI_HOOK_KINDS
};
extern const char *const oci_hook_names[OCI_HOOK_KINDS];

/* One linux.resources.devices entry; major/minor -1: any ("*"). */
struct oci_device_rule {
	bool allow;
	char type;		/* 'a', 'c' or 'b' */
	int64_t major, minor;
	char access[4];		/* subset of "rwm" */
};

/* linux.resources: -1 (0 for swap, shares and period) where config.json says nothing. */
struct oci_resources {
	int64_t memory_limit;
	int64_t memory_swap;	/* memory + swap, as in the spec; -1 unlimited, 0 unset */
	int64_t pids_limit;
	int64_t cpu_shares;
	int64_t cpu_quota;
	int64_t cpu_period;
	struct oci_device_rule *devices;
	size_t ndevices;
};

struct oci_config {
	json_object *json;	/* the parsed file: the strings below point into it */
	json_object *owned;	/* strings made here (absolute paths), kept alive with cfg */
	const char *bundle;	/* absolute */
	const char *rootfs;	/* absolute */
	struct sandbox_spec spec;
	bool terminal;
	unsigned short console_rows, console_cols;
	const char *netns_path;	/* linux.namespaces network path, or NULL */
	bool new_netns;		/* a network namespace without a path: a new, empty one */
	const char *cgroups_path;	/* linux.cgroupsPath, or NULL */
	struct oci_resources resources;
	json_object *hooks;	/* validated "hooks", or NULL */
	json_object *annotations;	/* validated "annotations", or NULL */
#define OCI_EGRESS_ANNOTATION "dev.runsc-c.egress"
};

/* Reads BUNDLE/config.json. On error: an oci_error message, -errno, nothing to free. */
int oci_config_load(const char *bundle, struct oci_config *cfg);
void oci_config_free(struct oci_config *cfg);

/* A "process" object (config.json's, or exec --process FILE's) into p; strings point into
   process. where names it in errors. */
int oci_process_parse(json_object *process, const char *where, struct sandbox_process *p,
		      bool *terminal, unsigned short *rows, unsigned short *cols);
void oci_process_free(struct sandbox_process *p);

/* A linux.resources object (also `update --resources`'s) into r (free r->devices). */
int oci_resources_parse(json_object *res, struct oci_resources *r);

/* Reads a JSON file of at most OCI_CONFIG_MAX bytes ("-": stdin) into *out. */
int oci_json_read_file(const char *path, json_object **out);

/* A capability name (with or without CAP_) -> its number, -1 if unknown. */
int oci_cap_from_name(const char *name);

#endif
