#!/bin/bash
# Linux fidelity of kernel families the sandbox implements itself, each a C program run
# natively (chroot, pid namespace) and in the sandbox on both platforms, outputs compared:
# - ipccheck: System V shared memory, semaphores and message queues, /proc/sysvipc and
#   the IPC limits in /proc/sys/kernel. Natively in a new IPC namespace (unshare --ipc),
#   as the sandbox is one.
# Needs root (chroot and namespaces for the native runs).
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/../lib/common.sh"
need_root

ROOT="$WORK/rootfs"
build_busybox_rootfs "$ROOT"

# check_prog NAME: tests/progs/NAME, built, copied into the root and compared.
check_prog() {
	local prog="${BUILD_DIR:-}/tests/progs/$1"
	if [ ! -x "$prog" ]; then
		fail "tests/progs/$1 is not built (BUILD_DIR=$BUILD_DIR)"
		return
	fi
	cp "$prog" "$ROOT/$1"
	compare "$1" "$ROOT" "/$1"
}

# shellcheck disable=SC2016 # expanded by the native run's shell
NATIVE_SETUP='exec unshare --ipc "$@"' check_prog ipccheck
finish
