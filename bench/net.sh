#!/bin/bash
# Loopback networking, native vs runsc-c vs gVisor's runsc: bench/net (see net.c) measures
# TCP 1-byte request/response round trips (us, lower is better), TCP bulk throughput over
# one connection (MB/s, higher is better) and unix-socket 1-byte round trips (us); then
# redis-benchmark -t set,get against a redis-server in the same sandbox (requests per
# second, higher is better), in a Debian root with redis that debootstrap builds once and
# keeps under BUILD_DIR/bench-cache (skipped, and said so, when it cannot); each platform's
# ratio to native, from one run.
#
#   bench/net.sh [BUILD_DIR]
#
# ROUNDTRIPS=N (default 20000), BYTES=B (default 1 GiB) and REDIS_REQUESTS=N (default
# 100000) size the runs. Run as root.
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
# runsc's --network=none is a netstack with loopback only, as runsc-c's default.
bench_run_sandboxes unotify "$ROOTFS" /bench/net "${ARGS[@]}"

echo "bench/net: loopback sockets; *_us: microseconds per 1-byte round trip (lower is better),"
echo "*_MBps: 10^6 bytes per second over one TCP connection (higher is better); (Nx) = / native"
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); machine: $(bench_machine)"
echo
bench_table ""

# --- redis: redis-benchmark against redis-server, both in one sandbox (or one chroot) ---
bench_reset
REDIS_ROOT=$BENCH_TMP/redis
cat >"$BENCH_TMP/redis.sh" <<'SH'
redis-server --port 6379 --save '' --appendonly no --daemonize no >/tmp/redis.log 2>&1 &
i=0
until [ "$(redis-cli -p 6379 ping 2>/dev/null)" = PONG ]; do
	i=$((i + 1))
	[ $i -lt 600 ] || { cat /tmp/redis.log; exit 1; }
	sleep 0.05
done
redis-benchmark -p 6379 -q -t set,get -n "$1" --csv | tr -d '"' |
	awk -F, '$1 == "SET" || $1 == "GET" { print "redis_" tolower($1) "_rps", $2 }'
redis-cli -p 6379 shutdown nosave >/dev/null 2>&1
wait
SH
# A Debian root with redis, as the tests build theirs (tests/lib/debian_rootfs.sh), cached
# under the build directory; a subshell, as its failures exit.
if (
	skip() { echo "$*" >&2; exit 77; }
	RUNSCC_CACHE=$BUILD_DIR/bench-cache
	# shellcheck source=tests/lib/debian_rootfs.sh
	. "$BENCH_SRC/tests/lib/debian_rootfs.sh"
	DEBIAN_INCLUDE=procps,redis-server,redis-tools
	debian_rootfs "$REDIS_ROOT"
) 2>"$BENCH_TMP/redis-root.err"; then
	cp "$BENCH_TMP/redis.sh" "$REDIS_ROOT/redis.sh"
	N=${REDIS_REQUESTS:-100000}
	bench_run native unshare --net sh -c 'ip link set lo up && exec chroot "$@"' sh "$REDIS_ROOT" /bin/sh /redis.sh "$N"
	bench_run_sandboxes unotify "$REDIS_ROOT" /bin/sh /redis.sh "$N"
else
	bench_skip native "no Debian root with redis: $(tail -1 "$BENCH_TMP/redis-root.err")"
fi
echo
echo "redis-benchmark -t set,get (requests per second, higher is better; (Nx) = / native)"
bench_table ""
exit "$BENCH_FAILED"
