#!/bin/bash
# Syscall latency, native vs runsc-c (unotify and ptrace platforms) vs gVisor's runsc:
# runs bench/syscall (see syscall.c) on each, in one invocation, and prints ns per op with
# ratios to native.
#
#   bench/syscall.sh [BUILD_DIR]
#
# BUILD_DIR (argument or environment): a build tree that already holds bench/syscall;
# without one, the source tree's build/ is configured and built. The runsc-c measured is
# $RUNSCC, else BUILD_DIR/runsc-c, else runsc-c on PATH. ITERATIONS=N runs exactly N timed
# iterations of every op instead of the default (see `syscall --help`). ROUNDS=N repeats
# the whole set N times, platforms interleaved, and shows each cell's median (default 1).
# Run as root: native runs chrooted into the rootfs, and the sandboxes need root.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

bench_build_dir "${1:-}"
bench_build bench_syscall
PROG=$BUILD_DIR/bench/syscall
[ -x "$PROG" ] || bench_die "no $PROG (build target bench_syscall in $BUILD_DIR)"
bench_find_runscc

ARGS=()
if [ -n "${ITERATIONS:-}" ]; then
	[[ "$ITERATIONS" =~ ^[1-9][0-9]*$ ]] || bench_die "ITERATIONS must be a positive integer"
	ARGS=(all "$ITERATIONS")
fi
ROUNDS=${ROUNDS:-1}
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || bench_die "ROUNDS must be a positive integer"
ROOT_USER=0
[ "$(id -u)" = 0 ] && ROOT_USER=1

# The rootfs every run uses: the static binary at /bench/syscall, a 64 KiB /bench/file, and
# the mount points the sandboxes cover with their own /proc, /dev, /sys, /tmp.
bench_tmpdir
ROOTFS=$BENCH_TMP/rootfs
bench_rootfs "$ROOTFS"
mkdir -p "$ROOTFS/bench"
cp "$PROG" "$ROOTFS/bench/syscall"
head -c 65536 /dev/urandom >"$ROOTFS/bench/file"

# gVisor: `runsc do` runs a command over the host's root unless `do -root DIR` (a flag of
# the do subcommand, not the global --root state directory) names another one; the host
# root is then not visible at all and /bench/file is the rootfs's. Its platform is ptrace
# (the default of the Debian package).
RUNSC_VERSION=""
if [ "$ROOT_USER" != 1 ]; then
	RUNSC_SKIP="skipped, runsc do needs root"
elif command -v runsc >/dev/null; then
	RUNSC_VERSION=$(runsc --version 2>/dev/null | head -n 1 || true)
fi

NATIVE_NOTE=""
for ((round = 1; round <= ROUNDS; round++)); do
	# Native: chrooted into the same rootfs, with a /dev/null node made for the occasion
	# (and removed again, so the sandboxes see the plain rootfs).
	if [ "$ROOT_USER" = 1 ] && mknod -m 666 "$ROOTFS/dev/null" c 1 3 2>/dev/null; then
		bench_run native chroot "$ROOTFS" /bench/syscall "${ARGS[@]}"
		rm -f "$ROOTFS/dev/null"
	else
		if [ "$ROOT_USER" = 1 ]; then
			NATIVE_NOTE="native: could not mknod in $BENCH_TMP, ran the host binary without chroot"
		else
			NATIVE_NOTE="native: not root, ran the host binary without chroot"
		fi
		bench_run native "$ROOTFS/bench/syscall" --file "$ROOTFS/bench/file" "${ARGS[@]}"
	fi

	bench_run_sandboxes "unotify ptrace" "$ROOTFS" /bench/syscall "${ARGS[@]}"
done

echo "bench/syscall: ns per op (lower is better); (Nx) = that platform's time / native"
[ "$ROUNDS" -gt 1 ] && echo "each cell: the median of $ROUNDS rounds"
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); machine: $(bench_machine)"
echo "runsc-c: $RUNSCC${RUNSC_VERSION:+; runsc: ${RUNSC_VERSION#runsc } (its default ptrace platform)}"
[ -n "$NATIVE_NOTE" ] && echo "$NATIVE_NOTE"
echo
bench_table ns
exit "$BENCH_FAILED"
