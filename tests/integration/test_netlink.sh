#!/bin/bash
# NETLINK_ROUTE and /proc/net, in a network namespace the test makes (a veth pair with IPv4
# and IPv6 addresses and a route through a gateway; DAD off so that nothing changes while
# the test runs). The whole test runs again inside it (ip netns exec): the native runs and
# the sandboxes (which take the caller's namespace) see the same interfaces, and must
# print the same:
# - iproute2 (the Debian test rootfs's): ip a, ip r, ip -6 r, ip link, ip -d link,
#   ip addr show dev v0, ip route get, ip neigh, ip rule, ip -j a; hostname -I;
# - tests/progs/netlinkcheck, as nobody: glibc's getifaddrs, if_nameindex, if_nametoindex,
#   if_indextoname, SIOCGIF* ioctls, and raw netlink (names, options, dumps with their
#   datagram sizes, acknowledgements and errors, EPERM for changes, malformed and random
#   messages, bad pointers); notifications of the link and address groups while the test
#   changes the namespace (netlinkcheck monitor);
# - python3's socket.if_nameindex, if_nametoindex, if_indextoname;
# - /proc/net/{route,ipv6_route,if_inet6,arp}, /proc/self/net/route, the interface names of
#   /proc/net/dev
#   (its counters move with the kernel's own IPv6 traffic).
# Checked in the sandbox only: /proc/net/tcp shows a listener a host process has in the
# namespace with the overflow uid and inode 0 (no host uid or inode gets in).
# Needs root.
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/../lib/common.sh"
need_root

[ -x "${BUILD_DIR:-}/tests/progs/netlinkcheck" ] || skip "tests/progs/netlinkcheck is not built (BUILD_DIR=${BUILD_DIR:-unset})"
command -v ip >/dev/null || skip "ip (iproute2) is needed to make a network namespace"
command -v unshare >/dev/null || skip "unshare (util-linux) is needed for the native runs"

if [ -z "${NETLINK_TEST_NS:-}" ]; then
	NS=runscc-netlink-$$
	ip netns add "$NS" || skip "cannot make a network namespace"
	trap 'ip netns del "$NS"; rm -rf "$WORK"' EXIT
	ip netns exec "$NS" sh -ec '
		sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
		ip link set lo up
		ip link add v0 type veth peer name v1
		ip link set v0 up
		ip link set v1 up
		ip addr add 10.99.0.2/24 dev v0
		ip -6 addr add fd99::2/64 dev v0
		ip route add 10.98.0.0/16 via 10.99.0.1' || skip "cannot make a veth pair in $NS"
	NETLINK_TEST_NS=$NS ip netns exec "$NS" "$0"
	exit
fi

# The sandbox must be in this namespace: today it takes its caller's; once `do` makes a
# namespace of its own by default, it is given this one.
if "$RUNSCC" do --help 2>&1 | grep -q -- '--network'; then
	DO_OPTS="--network=/run/netns/$NETLINK_TEST_NS"
fi

. "$SRC_DIR/tests/lib/debian_rootfs.sh"
DEB="$WORK/debian"
debian_rootfs_netlink "$DEB"

compare ip-a "$DEB" ip a
compare ip-r "$DEB" ip r
compare ip-6-r "$DEB" ip -6 r
compare ip-link "$DEB" ip link
compare ip-d-link "$DEB" ip -d link
compare ip-addr-dev "$DEB" ip addr show dev v0
compare ip-route-get "$DEB" ip route get 10.98.1.1
compare ip-neigh "$DEB" ip neigh
compare ip-rule "$DEB" ip rule
compare ip-json "$DEB" ip -j a
RUN_AS=65534:65534 compare ip-change "$DEB" ip addr add 10.99.0.9/24 dev v0
compare hostname-I "$DEB" hostname -I
RUN_AS=65534:65534 compare netlinkcheck "$DEB" /netlinkcheck

# Notifications: a member of the link and IPv4 address groups, natively and in each sandbox,
# sees the changes the test makes to the namespace meanwhile.
monitor_run() {
	local dir=$1 pid
	shift
	mkdir -p "$dir"
	"$@" &
	pid=$!
	if wait_for_line listening "$dir/stderr" $pid; then
		ip addr add 10.99.0.77/24 dev v1
		ip addr del 10.99.0.77/24 dev v1
		ip link set v1 mtu 1400
		ip link set v1 mtu 1500
	fi
	wait $pid
}
monitor_run "$WORK/monitor.native" run_native "$WORK/monitor.native" "$DEB" /netlinkcheck monitor 4
for platform in $PLATFORMS; do
	monitor_run "$WORK/monitor.$platform" run_sandbox "$WORK/monitor.$platform" "$platform" "$DEB" /netlinkcheck monitor 4
done
compare_runs monitor "netlinkcheck monitor 4" stdout status
# iproute2's own: `ip monitor address` in the sandbox sees an address come and go (the test
# repeats the change until the monitor, which says nothing when it is ready, has seen one).
"$RUNSCC" do ${DO_OPTS:-} --rootfs "$DEB" -- ip -o monitor address >"$WORK/ip-monitor.out" 2>&1 </dev/null &
ipmon=$!
seen() { grep -q 'Deleted.*inet 10.99.0.78/24' "$WORK/ip-monitor.out"; }
for _ in $(seq 200); do
	seen && break
	ip addr add 10.99.0.78/24 dev v1 && ip addr del 10.99.0.78/24 dev v1
	wait_until 1 seen || true
done
if seen && grep -q '^[0-9]*: v1 *inet 10.99.0.78/24' "$WORK/ip-monitor.out"; then
	pass
else
	fail "ip monitor address in the sandbox did not see 10.99.0.78 come and go: $(head -5 "$WORK/ip-monitor.out")"
fi
kill "$ipmon"
wait "$ipmon" 2>/dev/null

cat >"$DEB/ifnames.py" <<'PY'
import socket
print(socket.if_nameindex())
for name in ("lo", "v0", "nosuchif"):
    try:
        print(name, socket.if_nametoindex(name))
    except OSError as e:
        print(name, "error", e.errno)
for index in (1, 2, 3, 999):
    try:
        print(index, socket.if_indextoname(index))
    except OSError as e:
        print(index, "error", e.errno)
PY
compare python-ifnames "$DEB" /usr/bin/python3 /ifnames.py

compare proc-net-route "$DEB" cat /proc/net/route
compare proc-net-ipv6-route "$DEB" cat /proc/net/ipv6_route
compare proc-net-if-inet6 "$DEB" cat /proc/net/if_inet6
compare proc-net-arp "$DEB" cat /proc/net/arp
compare proc-self-net-route "$DEB" cat /proc/self/net/route
compare proc-net-dev-names "$DEB" awk '{ print $1 }' /proc/net/dev

# A listener of a host process in the namespace: the sandbox sees it, not whose it is.
python3 -c 'import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.99.0.2", 7777))
s.listen()
print("listening", flush=True)
time.sleep(600)' >"$WORK/listener.out" &
listener=$!
wait_for_line listening "$WORK/listener.out" $listener || fail "the host listener did not start"
compare proc-net-tcp-header "$DEB" head -1 /proc/net/tcp
expected=$(awk 'NR > 1 { print $2, $3, $4, 65534, 0, "0000000000000000" }' /proc/net/tcp)
[ -n "$expected" ] || fail "the host listener is not in /proc/net/tcp"
expect_sandbox proc-net-tcp "$expected" "$DEB" awk 'NR > 1 { print $2, $3, $4, $8, $10, $12 }' /proc/net/tcp
kill $listener
wait $listener 2>/dev/null
finish
