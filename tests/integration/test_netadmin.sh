#!/bin/bash
# Network configuration by a guest with CAP_NET_ADMIN (`do --cap-add=NET_ADMIN`), in the
# sandbox's own network namespace (--network=none, the default), compared with the same
# commands run natively as root in a fresh network namespace (unshare --net, lo up):
# - iproute2 (the Debian test rootfs's): MTU, IPv4 and IPv6 addresses, a route, a dummy link
#   (the error when the kernel has no dummy type), a veth pair, its rename and queue length,
#   a bridge and a port of it, a neighbour entry, deleting a link; the ioctls (SIOCSIFMTU,
#   SIOCSIFTXQLEN, SIOCSIFADDR/NETMASK for IPv4 and IPv6, SIOCSIFNAME, SIOCSIFFLAGS,
#   SIOCADDRT for IPv4 and IPv6); then ip a, ip link, ip r, ip -6 r;
# - as a user without the capability in such a sandbox: SO_PRIORITY above 6 and a congestion
#   control not allowed to all refused (the sentry itself holds CAP_NET_ADMIN);
# - the same without CAP_NET_ADMIN (Docker's default set; and every capability but it): each
#   change EPERM, as natively with the capability dropped;
# - by design in the sandbox: requests naming another namespace (a pid, an fd, an id),
#   passing an fd (XDP, a BPF route encapsulation), making a kind of link not offered, a
#   routing rule, are refused; 3000 change requests of random bytes; the sentry answers on
#   (netlinkcheck changes); --network=host with CAP_NET_ADMIN changes nothing (EPERM);
# - the egress policy after a change: a UDP socket connected to an address the guest added
#   (so the namespace's own, allowed under deny-all) is disconnected when the address goes,
#   instead of sending to where the routes now lead; other destinations stay refused;
# - every thread of the sentry runs under its seccomp filter with only the capabilities it
#   keeps (CAP_NET_ADMIN among them here);
# - the host's own namespace has none of the test's changes afterwards.
# Needs root.
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/../lib/common.sh"
need_root

[ -x "${BUILD_DIR:-}/tests/progs/netlinkcheck" ] || skip "tests/progs/netlinkcheck is not built (BUILD_DIR=${BUILD_DIR:-unset})"
command -v ip >/dev/null || skip "ip (iproute2) is needed for the native runs' namespaces"
command -v unshare >/dev/null || skip "unshare (util-linux) is needed for the native runs"

. "$SRC_DIR/tests/lib/debian_rootfs.sh"
DEB="$WORK/debian"
debian_rootfs_netlink "$DEB"

# What the host's namespace looks like; compared at the end. Other tests may add links
# meanwhile (Docker's), so only what this test names is looked for, and lo and the routes.
host_view() {
	ip -o link show dev lo
	ip -o addr show dev lo
	ip -o route
	ip -o -6 route | grep -v '^fe80'
	ip -o link | grep -E ': (d0|v0|v1|v2|b0|b9|hv[0-9]|vx0)[:@]' || true
	ip -o addr | grep -E '10\.(9\.8|66\.0|77\.0|5\.5|251\.0)\.|fd00::[79]/|fd01::' || true
}
host_view >"$WORK/host.before"

if ip netns add "runscc-dummy-$$" 2>/dev/null; then
	ip netns exec "runscc-dummy-$$" ip link add d0 type dummy 2>/dev/null ||
		echo "NOTE: this kernel has no dummy link type (no module to load in a namespace):" \
			"the dummy case compares the error (\"Unknown device type\") only"
	ip netns del "runscc-dummy-$$"
fi

cat >"$DEB/netadmin.sh" <<'EOF'
ip link set lo mtu 1400
ip addr add 10.9.8.7/24 dev lo
ip -6 addr add fd00::7/64 dev lo
ip route add 10.20.0.0/16 dev lo
ip link add d0 type dummy
ip link set d0 up
ip link add v0 type veth peer name v1
ip link set v0 up
ip link set v1 txqueuelen 500
ip link set v1 name v2
ip link add b0 type bridge
ip link set v2 master b0
ip neigh add 10.9.8.100 lladdr 02:00:00:00:00:01 dev b0
ip neigh show dev b0
ip link del v0
python3 /ioctls.py
# MAC addresses are random, and so the link-local addresses made from them; the carrier,
# the operational state and an IPv6 address's duplicate detection (the kernel's link watch
# and a work queue) end a moment later or sooner.
ip -o a | grep -v ' fe80::' | sed 's/ tentative//'
ip -o link | sed 's|link/ether [0-9a-f:]*|link/ether MAC|; s|brd [0-9a-f:]*$|brd B|;
	s/NO-CARRIER,//; s/,LOWER_UP//; s/,M-DOWN//; s/ state [A-Z]*//'
ip r
ip -6 r | grep -v '^fe80'
EOF

cat >"$DEB/ioctls.py" <<'EOF'
# Interface and route changes by ioctl, one line each: ok or the errno.
import ctypes, errno, fcntl, socket, struct

SIOCADDRT, SIOCSIFFLAGS, SIOCGIFFLAGS, SIOCSIFADDR = 0x890B, 0x8914, 0x8913, 0x8916
SIOCSIFNETMASK, SIOCSIFMTU, SIOCSIFNAME, SIOCSIFTXQLEN = 0x891C, 0x8922, 0x8923, 0x8943
IFF_UP, RTF_UP = 1, 1


class sockaddr(ctypes.Structure):
    _fields_ = [("family", ctypes.c_ushort), ("data", ctypes.c_char * 14)]


class rtentry(ctypes.Structure):
    _fields_ = [("pad1", ctypes.c_ulong), ("dst", sockaddr), ("gateway", sockaddr),
                ("genmask", sockaddr), ("flags", ctypes.c_ushort), ("pad2", ctypes.c_short),
                ("pad3", ctypes.c_ulong), ("pad4", ctypes.c_void_p), ("metric", ctypes.c_short),
                ("dev", ctypes.c_char_p), ("mtu", ctypes.c_ulong), ("window", ctypes.c_ulong),
                ("irtt", ctypes.c_ushort)]


def ifreq(name, data=b""):
    return struct.pack("16s24s", name.encode(), data)


def sin(addr):
    return struct.pack("HH4s8x", socket.AF_INET, 0, socket.inet_aton(addr))


def change(what, sock, req, arg):
    try:
        fcntl.ioctl(sock, req, arg)
        print(what, "ok")
    except OSError as e:
        print(what, errno.errorcode[e.errno])


s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
change("SIOCSIFMTU lo 1300", s, SIOCSIFMTU, ifreq("lo", struct.pack("i", 1300)))
change("SIOCSIFTXQLEN lo 77", s, SIOCSIFTXQLEN, ifreq("lo", struct.pack("i", 77)))
change("SIOCSIFADDR lo:1 10.66.0.1", s, SIOCSIFADDR, ifreq("lo:1", sin("10.66.0.1")))
change("SIOCSIFNETMASK lo:1 255.255.0.0", s, SIOCSIFNETMASK, ifreq("lo:1", sin("255.255.0.0")))
change("SIOCSIFNAME b0 b9", s, SIOCSIFNAME, ifreq("b0", b"b9"))
try:
    flags = struct.unpack("16sh22x", fcntl.ioctl(s, SIOCGIFFLAGS, ifreq("b9")))[1]
except OSError:
    flags = 0
change("SIOCSIFFLAGS b9 up", s, SIOCSIFFLAGS, ifreq("b9", struct.pack("h", flags | IFF_UP)))
rt = rtentry(flags=RTF_UP, dev=b"lo")
rt.dst.family = rt.genmask.family = socket.AF_INET
for field, addr in ((rt.dst, "10.67.0.0"), (rt.genmask, "255.255.0.0")):
    ctypes.memmove(ctypes.addressof(field) + 4, socket.inet_aton(addr), 4)
change("SIOCADDRT 10.67.0.0/16 dev lo", s, SIOCADDRT, bytearray(rt))
s6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
change("SIOCSIFADDR lo fd00::9/64", s6, SIOCSIFADDR,
       struct.pack("16sIi", socket.inet_pton(socket.AF_INET6, "fd00::9"), 64, 1))
change("SIOCADDRT fd01::/64 dev lo", s6, SIOCADDRT,
       struct.pack("16s16s16sIHHILIi", socket.inet_pton(socket.AF_INET6, "fd01::"), bytes(16),
                   bytes(16), 0, 64, 0, 1, 0, RTF_UP, 1))
EOF

export NATIVE_NETNS=1 NATIVE_SETUP="ip link set lo up"
CAP_ADD=NET_ADMIN compare netadmin "$DEB" /bin/sh /netadmin.sh
compare netadmin-without-cap "$DEB" /bin/sh /netadmin.sh
CAP_ADD=ALL CAP_DROP=NET_ADMIN compare netadmin-all-but-net-admin "$DEB" /bin/sh /netadmin.sh
unset NATIVE_NETNS NATIVE_SETUP

# Options Linux gives only a caller with CAP_NET_ADMIN (or CAP_NET_RAW), which the sentry
# holds for the sandbox: a user without it is refused them as natively; a congestion control
# that is not loaded is ENOENT (no module is loaded for it).
# attempt(WHAT, F): prints WHAT and "ok" or F's errno name (both scripts below import it).
cat >"$DEB/attempt.py" <<'EOF'
import errno
def attempt(what, f):
    try:
        f()
        print(what, "ok")
    except OSError as e:
        print(what, errno.errorcode[e.errno])
EOF
cat >"$DEB/options.py" <<'EOF'
import socket
from attempt import attempt


t = socket.socket()
for name in ("reno", "cubic", "bbr", "htcp", "nosuch"):
    attempt("TCP_CONGESTION " + name, lambda: t.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, name.encode()))
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for p in (6, 7, -1):
    attempt("SO_PRIORITY %d" % p, lambda: u.setsockopt(socket.SOL_SOCKET, socket.SO_PRIORITY, p))
EOF
RUN_AS=1000:1000 CAP_ADD=NET_ADMIN compare netadmin-options "$DEB" /usr/bin/python3 /options.py

CAP_ADD=NET_ADMIN expect_sandbox netadmin-refused "veth peer in pid 1's namespace: EPERM
lo to fd 0's namespace: EPERM
lo to pid 1's namespace: EPERM
lo in namespace id 5: EINVAL
a vxlan link: EOPNOTSUPP
an XDP program on lo: EOPNOTSUPP
veth peer shorter than an ifinfomsg: EINVAL
a route with a BPF encapsulation: EOPNOTSUPP
a next hop with a BPF encapsulation: EOPNOTSUPP
a routing rule: EOPNOTSUPP
deleting lo: EOPNOTSUPP
adding 10.5.5.5/32 on lo: ok
deleting 10.5.5.5/32 on lo: ok
dump after junk: ok
answer after junk: data" "$DEB" /netlinkcheck changes

# iproute2's own requests for another namespace: refused in the sandbox (natively they would
# move the link into the host's namespace, so there is no native run).
CAP_ADD=NET_ADMIN expect_sandbox netadmin-netns "RTNETLINK answers: Operation not permitted
RTNETLINK answers: Operation not permitted" "$DEB" sh -c \
	'ip link add hv0 type veth peer name hv1 netns 1 2>&1
	ip link set lo netns 1 2>&1; true'

# The host's namespace (--network=host) is never changed, whatever the guest's capabilities.
DO_OPTS=--network=host CAP_ADD=NET_ADMIN expect_sandbox netadmin-host-network \
	"RTNETLINK answers: Operation not permitted" "$DEB" sh -c 'ip addr add 10.251.0.1/32 dev lo 2>&1; true'
ip addr del 10.251.0.1/32 dev lo 2>/dev/null && fail "the sandbox added an address to the host's lo"

# Egress: an address the guest adds is the namespace's own (allowed under deny-all) while it
# is there; a socket connected to it is disconnected when it goes, and the address is
# refused from then on (a default route makes sends go somewhere without the disconnect).
cat >"$DEB/egress.py" <<'EOF'
import socket, subprocess
from attempt import attempt


subprocess.run(["ip", "route", "add", "default", "dev", "lo"], check=True)
subprocess.run(["ip", "addr", "add", "10.77.0.5/32", "dev", "lo"], check=True)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
attempt("udp connect 10.77.0.5 (own)", lambda: u.connect(("10.77.0.5", 9)))
attempt("udp send", lambda: u.send(b"x"))
subprocess.run(["ip", "addr", "del", "10.77.0.5/32", "dev", "lo"], check=True)
attempt("udp send after the address went", lambda: u.send(b"x"))
attempt("udp sendto 10.77.0.5", lambda: u.sendto(b"x", ("10.77.0.5", 9)))
t = socket.socket()
attempt("tcp connect 10.77.0.6", lambda: t.connect(("10.77.0.6", 80)))
EOF
CAP_ADD=NET_ADMIN DO_OPTS=--egress=deny-all expect_sandbox netadmin-egress "udp connect 10.77.0.5 (own) ok
udp send ok
udp send after the address went EDESTADDRREQ
udp sendto 10.77.0.5 EPERM
tcp connect 10.77.0.6 ECONNREFUSED" "$DEB" /usr/bin/python3 /egress.py
for platform in $PLATFORMS; do
	if grep -q "no longer the namespace's own address: disconnected" "$WORK/netadmin-egress.$platform/log"; then
		pass
	else
		fail "netadmin-egress [$platform]: the disconnect is not in the sentry's log"
	fi
done

# Every thread of the sentry is confined (its seccomp filter, and only the capabilities it
# keeps: CAP_KILL, CAP_NET_BIND_SERVICE, CAP_SYS_PTRACE, and here CAP_NET_ADMIN), including
# those it starts before it confines itself (standby receivers' starters) and the readers
# of the namespace's notifications and of the policy's DNS answers (a host name in the
# policy that does not resolve still starts its refresher).
kept=$(((1 << 5) | (1 << 10) | (1 << 12) | (1 << 19)))
for platform in $PLATFORMS; do
	log="$WORK/threads.$platform.log"
	"$RUNSCC" --debug --log "$log" do --platform="$platform" --cap-add=NET_ADMIN --egress=allow:nosuch.test:80 \
		--rootfs "$DEB" -- sh -c 'ip monitor >/dev/null & sleep 60' >/dev/null 2>&1 </dev/null &
	sandbox=$!
	confined() { grep -q "confined; guest pid 1 is host pid" "$log" 2>/dev/null; }
	if ! wait_until 60 confined; then
		fail "threads [$platform]: the sandbox did not start"
		kill "$sandbox"
		wait "$sandbox" 2>/dev/null
		continue
	fi
	guest=$(grep -o "confined; guest pid 1 is host pid [0-9]*" "$log" | grep -o "[0-9]*$")
	sentry=$(awk '/^PPid/ { print $2 }' "/proc/$guest/status")
	bad=
	for t in /proc/"$sentry"/task/*; do
		seccomp=$(awk '/^Seccomp:/ { print $2 }' "$t/status" 2>/dev/null)
		caps=$(awk '/^CapEff:/ { print $2 }' "$t/status" 2>/dev/null)
		[ -n "$seccomp" ] || continue	# the thread ended meanwhile
		if [ "$seccomp" != 2 ] || [ $((16#$caps)) != "$kept" ]; then
			bad+=" ${t##*/}: seccomp $seccomp, capabilities $caps;"
		fi
	done
	if [ -z "$bad" ]; then
		pass
	else
		fail "threads [$platform]: threads of the sentry not confined:$bad"
	fi
	kill "$sentry"
	wait "$sandbox" 2>/dev/null
done

host_view >"$WORK/host.after"
if cmp -s "$WORK/host.before" "$WORK/host.after"; then
	pass
else
	fail "the host's namespace changed during the test"
	diff -u "$WORK/host.before" "$WORK/host.after" | head -20 | sed 's/^/    /'
fi
finish
