/* What `runsc-c spec` and `runsc-c features` print: a default config.json, and the
   runtime-spec "features" document of what this runtime supports. */
#ifndef RUNSCC_OCI_FEATURES_H
#define RUNSCC_OCI_FEATURES_H

#include <json-c/json.h>

#define OCI_SPEC_VERSION "1.0.2"

/* A config.json running `sh` on a terminal over ./rootfs, as `runc spec` writes one. */
json_object *oci_default_config(void);
json_object *oci_features(void);

#endif
