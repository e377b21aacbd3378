/* Registering an OCI runtime with dockerd: the "runtimes" map of /etc/docker/daemon.json. */
#ifndef RUNSCC_COMMON_DAEMON_JSON_H
#define RUNSCC_COMMON_DAEMON_JSON_H

#define DAEMON_JSON_DEFAULT "/etc/docker/daemon.json"

/* Sets runtimes.NAME = {"path": PATH, "runtimeArgs": ARGS[0..nargs)} in the dockerd
   configuration file CONFIG, keeping everything else in it; creates the file (and its
   directory) when missing. The new file replaces the old one atomically. A file that is not
   a JSON object, or whose "runtimes" is not an object, is left untouched: -EINVAL. Errors
   are logged with the file's name. */
int daemon_json_set_runtime(const char *config, const char *name, const char *path,
			    char *const *args, int nargs);

#endif
