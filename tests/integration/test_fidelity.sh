#!/bin/bash
# Linux fidelity of kernel families the sandbox implements itself, each a C program run
# natively (chroot, pid namespace) and in the sandbox on both platforms, outputs compared:
# - ipccheck: System V shared memory, semaphores and message queues, /proc/sysvipc and
#   the IPC limits in /proc/sys/kernel. Natively in a new IPC namespace (unshare --ipc),
#   as the sandbox is one.
# - splicecheck: splice, tee, vmsplice, sendfile and copy_file_range errors, memfd_create
#   and seals, fstatfs of pipes, sockets, event fds and memfds, RLIMIT_FSIZE.
# - xattrcheck: user.* and trusted.* extended attributes of files it makes in /tmp.
# - pidfdcheck: pidfd_open, pidfd_send_signal, pidfd_getfd, poll/epoll and waitid(P_PIDFD)
#   on pidfds, /proc/self/fdinfo, process_vm_readv/writev and kcmp with their permission
#   checks.
# - mqcheck: POSIX message queues, /dev/mqueue and /proc/sys/fs/mqueue. Natively in a new
#   IPC namespace with its own mqueue mounted on the root's /dev/mqueue.
# - rootcheck: chroot (the process's root for every walk, "..", fork, exec,
#   /proc/PID/root, CAP_SYS_CHROOT) and openat2 (struct open_how checks, RESOLVE_*).
# - procwrite.sh: writes to /proc/PID/{comm,oom_score_adj,coredump_filter}, as root and a user.
# - filecheck: mappings of /dev/zero, leases, OFD locks, named pipes, RLIMIT_NOFILE, /proc
#   files by shape, the extended attributes of a file of the image.
# - /proc/meminfo under --memory (the sandbox's own behaviour, no native run).
# Needs root (chroot and namespaces for the native runs).
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/../lib/common.sh"
need_root

ROOT="$WORK/rootfs"
build_busybox_rootfs "$ROOT"

# check_prog NAME [ARG...]: tests/progs/NAME, built, copied into the root and compared.
check_prog() {
	local name=$1 prog="${BUILD_DIR:-}/tests/progs/$1"
	shift
	if [ ! -x "$prog" ]; then
		fail "tests/progs/$name is not built (BUILD_DIR=$BUILD_DIR)"
		return
	fi
	cp "$prog" "$ROOT/$name"
	compare "$name" "$ROOT" "/$name" "$@"
}

# shellcheck disable=SC2016 # expanded by the native run's shell
NATIVE_SETUP='exec unshare --ipc "$@"' check_prog ipccheck
check_prog splicecheck /bin/busybox
check_prog xattrcheck /tmp
check_prog pidfdcheck
mkdir -p "$ROOT/dev/mqueue"
# shellcheck disable=SC2016 # expanded by the native run's shells
NATIVE_SETUP='exec unshare --ipc sh -ec "mount -t mqueue mqueue '"$ROOT"'/dev/mqueue; exec \"\$@\"" sh "$@"' \
	check_prog mqcheck
check_prog rootcheck
# A file of the image with extended attributes, read through the gofer (where the host's
# file system keeps user.* attributes). The native run writes the file: it gets a copy of
# the root (the sandbox's writes stay in its overlay).
echo image >"$ROOT/imgxattr"
if setfattr -n user.image -v hello "$ROOT/imgxattr" 2>/dev/null &&
	setcap cap_net_raw+ep "$ROOT/imgxattr"; then
	cp "${BUILD_DIR:-}/tests/progs/filecheck" "$ROOT/filecheck"
	cp -a "$ROOT" "$WORK/native-root"
	NATIVE_ROOT="$WORK/native-root" check_prog filecheck /tmp /imgxattr
else
	echo "note: no user.* attributes on $ROOT's file system: the image's attributes are not checked"
	check_prog filecheck /tmp
fi
# Writes to /proc/PID files (comm, oom_score_adj, coredump_filter): the values taken, the
# errors for the refused ones, what a child inherits; as root (without CAP_SYS_RESOURCE, as
# Docker's default set) and as a user.
cat >"$ROOT/procwrite.sh" <<'EOF'
for v in 500 100 " 7 " 0 -100 2000 3000000000 abc 1000; do
	echo "$v" >/proc/self/oom_score_adj 2>/dev/null
	echo "oom_score_adj '$v': $? $(cat /proc/$$/oom_score_adj)"
done
for v in 7f 0x7f " 5" 0 0x1ff 0x1ffffffff -1 017; do
	echo "$v" >/proc/self/coredump_filter 2>/dev/null
	echo "coredump_filter '$v': $? $(cat /proc/$$/coredump_filter)"
done
sh -c 'echo "child: $(cat /proc/self/oom_score_adj) $(cat /proc/self/coredump_filter)"'
echo abcdefghijklmnopqrstuvwxyz >/proc/self/comm
echo "comm: $? $(od -c /proc/$$/comm | head -2 | tr -s ' ')"
sleep 100 &
echo x >/proc/$!/comm 2>/dev/null
echo "another's comm: $?"
kill $!
EOF
compare procwrite "$ROOT" /bin/sh /procwrite.sh
RUN_AS=1000:1000 compare procwrite-user "$ROOT" /bin/sh /procwrite.sh
# /proc/meminfo of a sandbox with a memory limit: the limit is its MemTotal (a native run
# shows the host's memory: nothing to compare with).
# shellcheck disable=SC2016 # awk's fields
DO_OPTS="--memory 256m" expect_sandbox meminfo "262144 free within the limit" "$ROOT" /bin/sh -c \
	'awk "/^MemTotal:/ {t=\$2} /^MemFree:/ {f=\$2} END {print t, (f > 0 && f <= t) ? \"free within the limit\" : \"free \" f}" /proc/meminfo'
finish
