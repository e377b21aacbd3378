/* The client side of the control channel (sentry/control.h has the protocol). */
#define _GNU_SOURCE
#include "sandbox/control.h"
#include "sandbox/process_json.h"
#include "sentry/control.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <json-c/json.h>

/* Room for a large exec request (docker passes the whole environment). */
#define CONTROL_SNDBUF (4 << 20)

static int control_connect(const char *sock_path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	if (strlen(sock_path) >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	strcpy(addr.sun_path, sock_path);
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int size = CONTROL_SNDBUF;
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		int r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

/* Reads one message; *out is the parsed object. -EPIPE if the sandbox went away. */
static int control_read(int conn, json_object **out)
{
	_cleanup_free_ char *buf = malloc(CONTROL_MSG_MAX + 1);
	if (!buf)
		return -ENOMEM;
	ssize_t n;
	while ((n = recv(conn, buf, CONTROL_MSG_MAX, 0)) < 0 && errno == EINTR)
		;
	if (n < 0)
		return -errno;
	if (n == 0)
		return -EPIPE;
	buf[n] = '\0';
	*out = json_tokener_parse(buf);
	return *out ? 0 : -EPROTO;
}

/* Sends req (consumed) with fds, reads the reply; returns the sentry's -errno or 0 with the
   reply in *reply (if not NULL) and the connection in *conn (if not NULL). */
static int control_call(const char *sock_path, json_object *req, const int *fds, int nfds,
			json_object **reply, int *conn)
{
	_cleanup_close_ int fd = control_connect(sock_path);
	json_object *rep = NULL, *err;
	if (fd < 0) {
		json_object_put(req);
		return fd;
	}
	const char *text = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	ssize_t n = sock_send_fds(fd, text, strlen(text), fds, nfds);
	json_object_put(req);
	if (n < 0)
		return (int)n;
	int r = control_read(fd, &rep);
	if (r < 0)
		return r;
	r = json_object_object_get_ex(rep, "error", &err) ? -json_object_get_int(err) : -EPROTO;
	if (r == 0 && reply)
		*reply = json_object_get(rep);
	if (r == 0 && conn)
		*conn = take_fd(&fd);
	json_object_put(rep);
	return r;
}

static json_object *request(const char *op)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "op", json_object_new_string(op));
	return o;
}

int sandbox_control_start(const char *sock_path)
{
	return control_call(sock_path, request("start"), NULL, 0, NULL, NULL);
}

int sandbox_control_kill(const char *sock_path, int sig, bool all)
{
	json_object *req = request("kill");
	json_object_object_add(req, "signal", json_object_new_int(sig));
	json_object_object_add(req, "all", json_object_new_boolean(all));
	return control_call(sock_path, req, NULL, 0, NULL, NULL);
}

int sandbox_control_kill_pid(const char *sock_path, pid_t pid, int sig)
{
	json_object *req = request("kill");
	json_object_object_add(req, "signal", json_object_new_int(sig));
	json_object_object_add(req, "pid", json_object_new_int(pid));
	return control_call(sock_path, req, NULL, 0, NULL, NULL);
}

int sandbox_control_exec(const char *sock_path, const struct sandbox_process *p, int *conn,
			 pid_t *guest_pid)
{
	json_object *req = request("exec"), *reply, *pid;
	json_object_object_add(req, "process", sandbox_process_json(p));
	if (p->preserve_fds < 0 || p->preserve_fds > CONTROL_MAX_FDS - 3) {
		json_object_put(req);
		return -EMFILE;
	}
	int fds[CONTROL_MAX_FDS] = { p->stdio[0], p->stdio[1], p->stdio[2] };
	for (int i = 0; i < p->preserve_fds; i++)
		fds[3 + i] = 3 + i;
	int r = control_call(sock_path, req, fds, 3 + p->preserve_fds, &reply, conn);
	if (r < 0)
		return r;
	r = json_object_object_get_ex(reply, "pid", &pid) ? 0 : -EPROTO;
	if (r == 0)
		*guest_pid = json_object_get_int(pid);
	else
		close(*conn);
	json_object_put(reply);
	return r;
}

int sandbox_control_wait(int conn, int *exit_code)
{
	json_object *msg, *code;
	int r = control_read(conn, &msg);
	if (r < 0)
		return r;
	r = json_object_object_get_ex(msg, "exit_code", &code) ? 0 : -EPROTO;
	if (r == 0)
		*exit_code = json_object_get_int(code);
	json_object_put(msg);
	return r;
}

int sandbox_control_ps(const char *sock_path, pid_t **pids, size_t *n)
{
	json_object *reply, *list;
	int r = control_call(sock_path, request("ps"), NULL, 0, &reply, NULL);
	if (r < 0)
		return r;
	if (!json_object_object_get_ex(reply, "pids", &list) || !json_object_is_type(list, json_type_array)) {
		json_object_put(reply);
		return -EPROTO;
	}
	size_t count = json_object_array_length(list);
	*pids = calloc(count + 1, sizeof(pid_t));
	if (!*pids) {
		json_object_put(reply);
		return -ENOMEM;
	}
	for (size_t i = 0; i < count; i++)
		(*pids)[i] = json_object_get_int(json_object_array_get_idx(list, i));
	*n = count;
	json_object_put(reply);
	return 0;
}

int sandbox_control_memory(const char *sock_path, char **json)
{
	json_object *reply;
	int r = control_call(sock_path, request("memory"), NULL, 0, &reply, NULL);
	if (r < 0)
		return r;
	*json = strdup(json_object_to_json_string_ext(reply, JSON_C_TO_STRING_PLAIN));
	json_object_put(reply);
	return *json ? 0 : -ENOMEM;
}

int sandbox_control_pause(const char *sock_path)
{
	return control_call(sock_path, request("pause"), NULL, 0, NULL, NULL);
}

int sandbox_control_resume(const char *sock_path)
{
	return control_call(sock_path, request("resume"), NULL, 0, NULL, NULL);
}
