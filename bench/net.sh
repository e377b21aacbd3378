#!/bin/bash
# Loopback networking, native vs runsc-c vs gVisor's runsc: bench/net (see net.c) measures
# TCP 1-byte request/response round trips (us, lower is better), TCP bulk throughput over
# one connection (MB/s, higher is better) and unix-socket 1-byte round trips (us); each
# platform's ratio to native, from one run.
#
#   bench/net.sh [BUILD_DIR]
#
# ROUNDTRIPS=N (default 20000) and BYTES=B (default 1 GiB) size the runs. Run as root.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

bench_build_dir "${1:-}"
bench_build bench_net
PROG=$BUILD_DIR/bench/net
[ -x "$PROG" ] || bench_die "no $PROG (build target bench_net in $BUILD_DIR)"
bench_find_runscc
[ "$(id -u)" = 0 ] || bench_die "run as root (chroot and sandboxes)"
command -v ip >/dev/null || bench_die "ip (iproute2) is needed for the native run's namespace"
ARGS=(--roundtrips "${ROUNDTRIPS:-20000}" --bytes "${BYTES:-1073741824}")

bench_tmpdir
ROOTFS=$BENCH_TMP/rootfs
bench_rootfs "$ROOTFS"
mkdir -p "$ROOTFS/bench"
cp "$PROG" "$ROOTFS/bench/net"

# Native in a new network namespace with only lo up, as the sandbox's (the host's own may
# have netfilter rules that every loopback packet passes).
bench_run native unshare --net sh -c 'ip link set lo up && exec chroot "$@"' sh "$ROOTFS" /bench/net "${ARGS[@]}"
bench_run "runsc-c unotify" "$RUNSCC" "do" --rootfs "$ROOTFS" -- /bench/net "${ARGS[@]}"
if command -v runsc >/dev/null; then
	# runsc's --network=none is a netstack with loopback only, as runsc-c's default.
	bench_run runsc runsc --network=none "do" -root "$ROOTFS" -cwd / -- /bench/net "${ARGS[@]}"
else
	bench_skip runsc "not installed (apt-get install runsc)"
fi

echo "bench/net: loopback sockets; *_us: microseconds per 1-byte round trip (lower is better),"
echo "*_MBps: 10^6 bytes per second over one TCP connection (higher is better); (Nx) = / native"
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); machine: $(bench_machine)"
echo
bench_table ""
exit "$BENCH_FAILED"
