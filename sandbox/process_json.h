/* The JSON object a sandbox_process travels as (to the sentry in the spec, and in control
   "exec" requests); the sentry parses it with guest_process_from_json. */
#ifndef RUNSCC_SANDBOX_PROCESS_JSON_H
#define RUNSCC_SANDBOX_PROCESS_JSON_H

#include <json-c/json.h>

#include "sandbox/sandbox.h"

json_object *sandbox_process_json(const struct sandbox_process *p);

#endif
