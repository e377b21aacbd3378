#!/bin/bash
# The OCI side of the sandbox, through the library calls the OCI CLI uses (tests/tools/
# sandbox_ctl): sandbox_create leaves init waiting for "start"; start, exec (a second
# process in the same sandbox, sharing its files and pid namespace), exit codes of exec'd
# processes, kill (pid 1 with a handled SIGTERM, an unhandled one, SIGKILL; --all), ps,
# pause/resume, the sentry's exit code as init's, bad requests on the control socket, a pty
# as stdio, and nothing left on the host afterwards. The whole test runs under a subreaper
# (as under containerd's shim), which records the exit codes of the sentries it inherits.
# Needs root.
CTL="${BUILD_DIR:-}/tests/sandbox_ctl"
if [ -z "${REAPED:-}" ]; then
	[ -x "$CTL" ] || { echo "SKIP: tests/sandbox_ctl is not built (BUILD_DIR=${BUILD_DIR:-unset})"; exit 77; }
	REAPED=$(mktemp /tmp/runscc-reaped.XXXXXX)
	export REAPED
	"$CTL" supervise "$REAPED" -- "$0" "$@"
	rc=$?
	rm -f "$REAPED"
	exit $rc
fi
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/../lib/common.sh"
need_root
command -v python3 >/dev/null || skip "python3 is needed for the bad-request and pty cases"
export RUNSCC

ROOT="$WORK/rootfs"
build_busybox_rootfs "$ROOT"
mkdir -p "$ROOT/dev/pts"

# wait_for COND_CMD...: a bounded poll (10 s) of a condition.
wait_for() {
	local i
	for ((i = 0; i < 1000; i++)); do
		"$@" && return 0
		sleep 0.01
	done
	return 1
}

# sentry_code PID: the exit code the subreaper recorded for PID (waits for it).
sentry_code() {
	wait_for grep -q "^$1 " "$REAPED" || { echo none; return; }
	grep "^$1 " "$REAPED" | tail -1 | cut -d' ' -f2
}

# create NAME PLATFORM CMD...: a sandbox whose init has stdout+stderr in $WORK/NAME.out;
# sets SOCK, LOG and SENTRY.
create() {
	local name=$1 platform=$2
	shift 2
	SOCK="$WORK/$name.sock"
	LOG="$WORK/$name.log"
	rm -f "$WORK/$name.pid"
	timeout 30 "$CTL" create --rootfs "$ROOT" --sock "$SOCK" --platform "$platform" --log "$LOG" \
		--pid-file "$WORK/$name.pid" -- "$@" </dev/null >"$WORK/$name.out" 2>&1
	SENTRY=$(cat "$WORK/$name.pid" 2>/dev/null)
	[ -n "$SENTRY" ] || { fail "$name [$platform]: create failed: $(cat "$WORK/$name.out")"; return 1; }
}

# check NAME WANT GOT
check() {
	if [ "$2" = "$3" ]; then
		pass
	else
		fail "$1: want [$2], got [$3]"
	fi
}

# nothing_left NAME: no sentry or gofer of this sandbox (their command lines name its log)
# and none of the guest's host processes recorded in $WORK/NAME.hostpids is left.
nothing_left() {
	local name=$1
	if ! wait_for eval "! pgrep -f -- '--log $LOG' >/dev/null"; then
		fail "$name: sandbox processes left: $(pgrep -af -- "--log $LOG")"
		return
	fi
	local pid
	for pid in $(cat "$WORK/$name.hostpids" 2>/dev/null); do
		if ! wait_for eval "[ ! -e /proc/$pid ] || grep -q '^State:.*Z' /proc/$pid/status"; then
			fail "$name: guest host process $pid left: $(tr '\0' ' ' <"/proc/$pid/cmdline")"
			return
		fi
	done
	pass
}

# native_status CMD...: the exit status of CMD run natively in the rootfs (not as a pid
# namespace's init: an exec'd process is not one either).
native_status() {
	(cd / && env -i PATH="$GUEST_PATH" chroot "$ROOT" "$@") >/dev/null 2>&1 </dev/null
	echo $?
}

for platform in $PLATFORMS; do
	rm -f "$ROOT/tmp/"*

	# --- create, start, exec sharing files and the pid namespace, exit codes ------------
	name=main.$platform
	create "$name" "$platform" /bin/sh -c \
		'mkfifo /tmp/fifo; echo ready >/tmp/ready; read line </tmp/fifo; echo "init got: $line"; exit 5' || continue
	"$CTL" ps "$SOCK" >"$WORK/$name.hostpids"
	check "$name: one process before start" 1 "$(wc -l <"$WORK/$name.hostpids")"
	check "$name: init did not run before start" "" "$(cat "$WORK/$name.out")"
	check "$name: start" 0 "$("$CTL" start "$SOCK"; echo $?)"
	check "$name: a second start is refused" 1 "$("$CTL" start "$SOCK" 2>/dev/null; echo $?)"
	out=$("$CTL" exec "$SOCK" --pid-file "$WORK/$name.execpid" -- /bin/sh -c \
		'for i in $(seq 1000); do [ -e /tmp/ready ] && break; sleep 0.01; done; cat /tmp/ready; ps -o pid,args')
	check "$name: exec sees init's file" ready "$(echo "$out" | head -1)"
	check "$name: exec sees init in ps" "1 /bin/sh -c mkfifo /tmp/fifo; echo ready >/tmp/ready; read line </tmp/fifo; echo \"init got: \$line\"; exit 5" \
		"$(echo "$out" | awk '$1 == 1 { $1 = $1; print }')"
	execpid=$(cat "$WORK/$name.execpid")
	check "$name: exec's own pid in ps" "$execpid {ps} /bin/sh" "$(echo "$out" | awk -v p="$execpid" '$1 == p { print $1, $2, $3 }')"
	check "$name: exec's parent pid is 0 (entered from outside)" "0" \
		"$("$CTL" exec "$SOCK" -- /bin/sh -c 'cut -d" " -f4 /proc/$$/stat')"
	for cmd in 'exit 0' 'exit 3' 'kill -9 $$' 'kill -TERM $$' 'echo out; echo err >&2; exit 4'; do
		want=$(native_status /bin/sh -c "$cmd")
		"$CTL" exec "$SOCK" -- /bin/sh -c "$cmd" >"$WORK/$name.exec.out" 2>&1
		check "$name: exit code of exec '$cmd'" "$want" "$?"
	done
	check "$name: exec's stdout and stderr" "out
err" "$(cat "$WORK/$name.exec.out")"
	check "$name: exec as uid 1000 gid 1000 in /tmp with umask 077 and an env var" "1000 1000 /tmp 0077 bar" \
		"$("$CTL" exec "$SOCK" --uid 1000 --gid 1000 --cwd /tmp --umask 077 --env FOO=bar -- /bin/sh -c 'echo $(id -u) $(id -g) $(pwd) $(umask) $FOO')"
	check "$name: exec with additional groups and an open-files limit" "0 10 20
64 128" "$("$CTL" exec "$SOCK" --group 10 --group 20 --nofile 64:128 -- /bin/sh -c 'id -G; echo $(ulimit -Sn) $(ulimit -Hn)')"
	check "$name: exec of a missing program" 127 "$("$CTL" exec "$SOCK" -- /nonexistent 2>/dev/null; echo $?)"
	"$CTL" ps "$SOCK" >>"$WORK/$name.hostpids"
	# init exits once it has read the line, which kills the writer if it has not ended yet
	code=$("$CTL" exec "$SOCK" -- /bin/sh -c 'echo hello >/tmp/fifo'; echo $?)
	[ "$code" = 0 ] || [ "$code" = 137 ] && pass || fail "$name: exec writing init's fifo: exit code $code"
	check "$name: sentry exits with init's code" 5 "$(sentry_code "$SENTRY")"
	check "$name: init's output" "init got: hello" "$(cat "$WORK/$name.out")"
	nothing_left "$name"

	# --- a sandbox that cannot start: an error, nothing left ----------------------------
	name=bad-rootfs.$platform
	LOG="$WORK/$name.log"
	timeout 30 "$CTL" create --rootfs "$WORK/no-such-rootfs" --sock "$WORK/$name.sock" --platform "$platform" \
		--log "$LOG" --pid-file "$WORK/$name.pid" -- /bin/true </dev/null >/dev/null 2>&1
	check "$name: create fails" 1 "$?"
	check "$name: no pid" "" "$(cat "$WORK/$name.pid" 2>/dev/null)"
	nothing_left "$name"

	name=no-program.$platform
	LOG="$WORK/$name.log"
	for prog in nosuch /bin/nosuch /etc/passwd; do
		timeout 30 "$CTL" create --rootfs "$ROOT" --sock "$WORK/$name.sock" --platform "$platform" \
			--log "$LOG" --pid-file "$WORK/$name.pid" -- "$prog" </dev/null >"$WORK/$name.out" 2>&1
		rm -f "$WORK/$name.sock"
		want="sandbox_ctl: sandbox_create: No such file or directory"
		[ "$prog" = /etc/passwd ] && want="sandbox_ctl: sandbox_create: Permission denied"
		check "$name: create of $prog fails" "$want" "$(tail -1 "$WORK/$name.out")"
	done
	nothing_left "$name"

	# --- kill: before start, SIGTERM handled / not handled, SIGKILL, --all --------------
	name=kill-before-start.$platform
	create "$name" "$platform" /bin/echo never || continue
	"$CTL" ps "$SOCK" >"$WORK/$name.hostpids"
	"$CTL" kill "$SOCK" 9
	check "$name: sentry code" 137 "$(sentry_code "$SENTRY")"
	check "$name: init never ran" "" "$(cat "$WORK/$name.out")"
	nothing_left "$name"

	name=kill-term-handled.$platform
	create "$name" "$platform" /bin/sh -c 'trap "echo got TERM; exit 143" TERM; echo up; while :; do sleep 0.01; done' || continue
	"$CTL" start "$SOCK"
	wait_for grep -q up "$WORK/$name.out"
	"$CTL" ps "$SOCK" >"$WORK/$name.hostpids"
	"$CTL" kill "$SOCK" 15
	check "$name: sentry code" 143 "$(sentry_code "$SENTRY")"
	check "$name: output" "up
got TERM" "$(cat "$WORK/$name.out")"
	nothing_left "$name"

	name=kill-term-unhandled.$platform
	create "$name" "$platform" /bin/sleep 1000 || continue
	"$CTL" start "$SOCK"
	wait_for eval "\"$CTL\" exec \"$SOCK\" -- /bin/sh -c 'grep -q sleep /proc/1/cmdline'"
	"$CTL" ps "$SOCK" >"$WORK/$name.hostpids"
	"$CTL" kill "$SOCK" 15
	# As to a pid namespace's init: a signal it does not handle is dropped; it still answers.
	check "$name: SIGTERM ignored by pid 1 without a handler" alive \
		"$("$CTL" exec "$SOCK" -- /bin/sh -c 'kill -0 1 && echo alive')"
	"$CTL" kill "$SOCK" 9
	check "$name: SIGKILL ends it" 137 "$(sentry_code "$SENTRY")"
	nothing_left "$name"

	name=kill-all.$platform
	create "$name" "$platform" /bin/sh -c 'trap "" TERM; while :; do echo tick; sleep 0.01; done' || continue
	"$CTL" start "$SOCK"
	"$CTL" exec "$SOCK" -- /bin/sleep 1000 >/dev/null 2>&1 &
	execctl=$!
	wait_for eval "\"$CTL\" ps \"$SOCK\" | wc -l | grep -qx 3"
	"$CTL" ps "$SOCK" >"$WORK/$name.hostpids"
	# pause: every guest process stopped on the host (a traced stop); resume: init ticks on
	"$CTL" pause "$SOCK"
	stopped() {
		for p in $(cat "$WORK/$name.hostpids"); do
			[ ! -e "/proc/$p" ] || grep -q '^State:\s*[Tt]' "/proc/$p/status" 2>/dev/null || return 1
		done
	}
	wait_for stopped && pass || fail "$name: pause left a process running"
	ticks=$(wc -l <"$WORK/$name.out")
	"$CTL" resume "$SOCK"
	wait_for eval "[ \$(wc -l <\"$WORK/$name.out\") -gt $((ticks + 2)) ]" && pass ||
		fail "$name: init does not run after resume"
	"$CTL" kill "$SOCK" 9 all
	wait "$execctl"
	check "$name: exec'd process killed" 137 "$?"
	check "$name: sentry code" 137 "$(sentry_code "$SENTRY")"
	nothing_left "$name"

	# --- the sentry killed from outside: the whole sandbox goes ------------------------
	name=sentry-killed.$platform
	create "$name" "$platform" /bin/sleep 1000 || continue
	"$CTL" start "$SOCK"
	"$CTL" exec "$SOCK" -- /bin/sleep 1000 >/dev/null 2>&1 &
	execctl=$!
	wait_for eval "\"$CTL\" ps \"$SOCK\" | wc -l | grep -qx 2"
	"$CTL" ps "$SOCK" >"$WORK/$name.hostpids"
	kill -9 "$SENTRY"
	check "$name: sentry code" 137 "$(sentry_code "$SENTRY")"
	wait "$execctl"
	check "$name: the exec client sees the sandbox gone" 1 "$?"
	nothing_left "$name"

	# --- bad requests never crash the sentry -------------------------------------------
	name=bad-requests.$platform
	create "$name" "$platform" /bin/sleep 1000 || continue
	"$CTL" start "$SOCK"
	python3 - "$SOCK" "$WORK" >"$WORK/$name.py" 2>&1 <<'PY' || fail "$name: $(cat "$WORK/$name.py")"
import array, json, os, socket, sys
path, work = sys.argv[1], sys.argv[2]

def call(payload, fds=(), expect_reply=True):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 8 << 20)
    s.connect(path)
    try:
        anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))] if fds else []
        s.sendmsg([payload], anc)
    except OSError as e:
        return "send: " + e.strerror
    if not expect_reply:
        s.close()
        return None
    r = s.recv(1 << 20)
    s.close()
    return json.loads(r) if r else None

def error_of(reply):
    return reply.get("error") if isinstance(reply, dict) else reply

exec_req = lambda: json.dumps({"op": "exec", "process": {"args": ["/bin/true"], "env": []}}).encode()
null = os.open("/dev/null", os.O_RDWR)
cases = {
    "garbage": call(b"}{ not json"),
    "not an object": call(b"[1, 2]"),
    "no op": call(b'{"signal": 9}'),
    "op not a string": call(b'{"op": 7}'),
    "unknown op": call(b'{"op": "reboot"}'),
    "kill bad signal": call(b'{"op": "kill", "signal": 999}'),
    "kill signal as string": call(b'{"op": "kill", "signal": "9"}'),
    "exec without fds": call(exec_req()),
    "exec with one fd": call(exec_req(), [null]),
    "exec with a directory": call(exec_req(), [null, os.open(work, os.O_RDONLY), null]),
    "exec with an O_PATH fd": call(exec_req(), [null, os.open("/dev/null", os.O_PATH), null]),
    "exec with 65 fds": call(exec_req(), [null] * 65),
    "exec with a directory to preserve": call(exec_req(), [null] * 3 + [os.open(work, os.O_RDONLY)]),
    "exec without args": call(b'{"op": "exec", "process": {"args": [], "env": []}}', [null] * 3),
    "exec args not strings": call(b'{"op": "exec", "process": {"args": [1], "env": []}}', [null] * 3),
    "exec bad uid": call(b'{"op": "exec", "process": {"args": ["/bin/true"], "env": [], "uid": -5}}', [null] * 3),
    "exec bad rlimit": call(b'{"op": "exec", "process": {"args": ["/bin/true"], "env": [], "rlimits": [{"type": 99, "soft": 1, "hard": 1}]}}', [null] * 3),
    "exec process not an object": call(b'{"op": "exec", "process": "x"}', [null] * 3),
    "huge message": call(b'{"op": "ps", "pad": "' + b"x" * (3 << 20) + b'"}'),
    "empty message": call(b""),
}
call(b'{"op": "ps"', expect_reply=False)
for i in range(50):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(path)
    s.close()
# Many requests at once: a thread each in the sentry (glibc's malloc once opened a /sys file
# to size its arenas past eight threads, which the sentry's allow-list answers with death).
many = []
for i in range(60):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(path)
    many.append(s)
for s in many:
    s.send(b'{"op": "ps"}')
replies = sum(1 for s in many if s.recv(65536))
for s in many:
    s.close()
if replies != 60:
    print("FAIL: 60 requests at once: %d replies" % replies)
    sys.exit(1)
for name, reply in cases.items():
    err = error_of(reply)
    # An empty message reads as the end of the connection: closed without a reply.
    if err == 0 or (err is None and name != "empty message"):
        print("FAIL: %s: accepted (%r)" % (name, reply))
        sys.exit(1)
ok = call(b'{"op": "ps"}')
if error_of(ok) != 0 or len(ok["pids"]) != 1:
    print("FAIL: ps after the bad requests: %r" % ok)
    sys.exit(1)
PY
	pass
	check "$name: the sandbox still serves exec" alive "$("$CTL" exec "$SOCK" -- /bin/echo alive)"
	"$CTL" ps "$SOCK" >"$WORK/$name.hostpids"
	"$CTL" kill "$SOCK" 9
	check "$name: sentry code" 137 "$(sentry_code "$SENTRY")"
	nothing_left "$name"

	# --- a pty as stdio: the guest sees a terminal, as natively ------------------------
	# tty, window size, termios, job control (a foreground job under set -m moves the
	# terminal's foreground group), and a resize from the outside reaching a SIGWINCH trap.
	name=pty.$platform
	python3 - "$CTL" "$ROOT" "$WORK/$name" "$platform" >"$WORK/$name.py" 2>&1 <<'PY' || fail "$name: $(cat "$WORK/$name.py")"
import fcntl, os, pty, select, struct, subprocess, sys, termios, time
ctl, root, base, platform = sys.argv[1:5]
# The terminal's number is the host's natively (the host's /dev/pts in the chroot), 0 in the
# sandbox (its /dev/pts has the console only).
script = ("tty | sed 's,^/dev/pts/[0-9]*$,/dev/pts/N,'; [ -t 0 ] && echo isatty; stty size; stty -echo; stty -a | grep -o -- -echo | head -1; stty echo; "
          "set -m; sleep 0.01 & jobs; wait; /bin/true; echo fg $?; set +m; "
          "trap 'echo winch; stty size' WINCH; echo ready; x=; while [ -z \"$x\" ]; do read x; done; echo got $x")

def drive(start):
    """Runs the script on a new pty (33x101) started by start(slave); once it says ready,
    resizes the terminal to 40x120, waits for the trap's output, types a line."""
    master, slave = pty.openpty()
    fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", 33, 101, 0, 0))
    start(slave)
    os.close(slave)
    out, resized, typed = b"", False, False
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if not resized and b"ready\r\n" in out:
            fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
            resized = True
        if resized and not typed and b"40 120" in out:
            os.write(master, b"go\n")
            typed = True
        r, _, _ = select.select([master], [], [], 1)
        if not r:
            continue
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    return out.decode(errors="replace").replace("\r\n", "\n")

def native(slave):
    def ctty():
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)
    subprocess.Popen(["unshare", "-m", "sh", "-c",
                      'mount --bind /dev/pts "$0/dev/pts" && exec chroot "$0" /bin/sh -c "$1"',
                      root, script], stdin=slave, stdout=slave, stderr=slave, preexec_fn=ctty)

def sandbox(slave):
    sock = base + ".sock"
    subprocess.run([ctl, "create", "--rootfs", root, "--sock", sock, "--platform", platform,
                    "--log", base + ".log", "--pid-file", base + ".pid", "--", "/bin/sh", "-c", script],
                   stdin=slave, stdout=slave, stderr=slave, check=True)
    subprocess.run([ctl, "start", sock], check=True)

want, got = drive(native), drive(sandbox)
if want != got or "got go" not in want:
    print("FAIL: native %r, sandbox %r" % (want, got))
    sys.exit(1)
PY
	pass
done
finish
