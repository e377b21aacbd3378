#!/bin/bash
# IP sockets, proven by tests/progs/inetcheck and python3, compared with native runs:
# - inside one sandbox (its own network namespace, lo only): TCP and UDP echo over IPv4 and
#   IPv6 loopback, names, options, sendmsg/recvmsg, shutdown, MSG_PEEK, FIONREAD, a
#   non-blocking connect to a closed port (EINPROGRESS, then ECONNREFUSED), epoll with 100
#   connections, hostile arguments (bad pointers, address lengths 0, 8 and 200, odd levels,
#   huge lengths: the same errors as natively, and the sentry answers on); the same under
#   --egress=deny-all (loopback is always allowed); python3 http.server and urllib;
# - by design in the sandbox: raw and packet sockets EPERM, SO_ZEROCOPY and TCP_ULP refused,
#   interface ioctls see only the sandbox's lo, a ping socket's echo;
# - across the boundary: a veth pair between two namespaces the test makes (A for the
#   sandbox, B standing for the outside): a server in B reached from the sandbox
#   (--network=/run/netns/A), a server in the sandbox on port 80 (guest root) reached from B;
#   the egress policy (allow:10.77.0.1:80 lets that through; port 81 and 10.77.0.3 refused,
#   ECONNREFUSED for TCP and EPERM for UDP, and logged once with pid and program; the
#   namespace's own address stays allowed under deny-all); host names in the policy,
#   resolved by the sentry over DNS (a server in B) at start and again on TTL expiry;
# - --network=none (the default) does not reach the host's loopback; --network=host does and
#   gets copies of the host's /etc/resolv.conf and /etc/hosts that the guest may change.
# Needs root (namespaces, veth).
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/../lib/common.sh"
need_root

[ -x "${BUILD_DIR:-}/tests/progs/inetcheck" ] || skip "tests/progs/inetcheck is not built (BUILD_DIR=${BUILD_DIR:-unset})"
command -v ip >/dev/null || skip "ip (iproute2) is needed for the network namespaces"
INETCHECK=$BUILD_DIR/tests/progs/inetcheck

ROOT="$WORK/rootfs"
build_busybox_rootfs "$ROOT"
cp "$INETCHECK" "$ROOT/inetcheck"

compare inet-sockets "$ROOT" /inetcheck all
DO_OPTS=--egress=deny-all compare inet-sockets-deny-all "$ROOT" /inetcheck all

expect_sandbox inet-by-design "socket AF_INET SOCK_RAW: EPERM
socket AF_INET6 SOCK_RAW: EPERM
socket AF_PACKET: EPERM
SO_ZEROCOPY: ENOPROTOOPT
TCP_ULP: ENOPROTOOPT
SIOCGIFCONF: ok, 1 interface(s)
  lo 127.0.0.1
SIOCSIFFLAGS lo: EPERM
ping socket: ok
ping sendto: 8
ping reply: 8 bytes, type echo reply" "$ROOT" /inetcheck sandbox

# check NAME EXPECTED CMD...: CMD's stdout is EXPECTED.
check() {
	local name=$1 expected=$2 out
	shift 2
	out=$("$@" 2>"$WORK/check.err")
	if [ "$out" = "$expected" ]; then
		pass
	else
		fail "$name: expected \"$expected\", got \"$out\""
		sed 's/^/    stderr: /' "$WORK/check.err" | head -5
	fi
}

# sandbox LOG DO-OPTIONS... -- CMD...: one run in the busybox root.
sandbox() {
	local log=$1
	shift
	timeout 120 "$RUNSCC" --log "$log" do --rootfs "$ROOT" "$@" </dev/null
}

# --- the default namespace is the sandbox's own; host is the caller's ---
SERVER_OUT="$WORK/host-server.out"
"$INETCHECK" serve 127.0.0.1 0 1 >"$SERVER_OUT" &
server=$!
wait_for_line listening "$SERVER_OUT" $server || fail "host-side loopback server did not start"
port=$(sed -n 's/^listening //p' "$SERVER_OUT")
check network-none "connect 127.0.0.1:$port: ECONNREFUSED" \
	sandbox "$WORK/none.log" -- /inetcheck connect 127.0.0.1 "$port"
check network-host "connect 127.0.0.1:$port: ok, answer 4 \"ping\"" \
	sandbox "$WORK/host.log" --network=host -- /inetcheck connect 127.0.0.1 "$port"
wait $server
# The host's name resolution files are the guest's own copies (in the upper layer): it may
# change them, the host's stay as they were.
if [ -r /etc/resolv.conf ] && [ -r /etc/hosts ]; then
	check network-host-resolv.conf "$(cat /etc/resolv.conf /etc/hosts)" \
		sandbox "$WORK/host.log" --network=host -- cat /etc/resolv.conf /etc/hosts
	resolv_before=$(md5sum /etc/resolv.conf /etc/hosts)
	check network-host-resolv.conf-writable "$(cat /etc/resolv.conf; echo 'options ndots:3'; echo '10.9.8.7 guest.example')" \
		sandbox "$WORK/host.log" --network=host --uid 0 -- sh -c \
		'echo "options ndots:3" >>/etc/resolv.conf && echo "10.9.8.7 guest.example" >/etc/hosts && cat /etc/resolv.conf /etc/hosts'
	check network-host-resolv.conf-host-unchanged "$resolv_before" md5sum /etc/resolv.conf /etc/hosts
fi

# --- a veth pair between namespace A (the sandbox's) and B (the outside) ---
NS_A=runscc-inet-a-$$
NS_B=runscc-inet-b-$$
servers=()
cleanup_netns() {
	for p in "${servers[@]}"; do kill "$p" 2>/dev/null; done
	ip netns del "$NS_A" 2>/dev/null
	ip netns del "$NS_B" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup_netns EXIT
ip netns add "$NS_A" && ip netns add "$NS_B" || skip "cannot make network namespaces"
ip -n "$NS_B" link add veth-b type veth peer name veth-a netns "$NS_A" || skip "cannot make a veth pair"
ip -n "$NS_A" addr add 10.77.0.2/24 dev veth-a
ip -n "$NS_B" addr add 10.77.0.1/24 dev veth-b
ip -n "$NS_B" addr add 10.77.0.3/24 dev veth-b
ip -n "$NS_A" link set lo up
ip -n "$NS_B" link set lo up
ip -n "$NS_A" link set veth-a up
ip -n "$NS_B" link set veth-b up
NSPATH=/run/netns/$NS_A

# serve_in_b ADDR PORT: an echo server in B for the rest of the test.
serve_in_b() {
	local out="$WORK/serve-$1-$2.out"
	ip netns exec "$NS_B" "$INETCHECK" serve "$1" "$2" 1000 >"$out" &
	servers+=($!)
	wait_for_line listening "$out" $! || fail "server $1:$2 in B did not start"
}
serve_in_b 10.77.0.1 80
serve_in_b 10.77.0.1 81
serve_in_b 10.77.0.3 80

check veth-to-outside "connect 10.77.0.1:80: ok, answer 4 \"ping\"" \
	sandbox "$WORK/veth.log" --network="$NSPATH" -- /inetcheck connect 10.77.0.1 80
check veth-to-outside-other-address "connect 10.77.0.3:80: ok, answer 4 \"ping\"" \
	sandbox "$WORK/veth.log" --network="$NSPATH" -- /inetcheck connect 10.77.0.3 80

# A server in the sandbox on a port below 1024 (guest root), reached from B.
IN_OUT="$WORK/sandbox-server.out"
sandbox "$WORK/inbound.log" --network="$NSPATH" -- /inetcheck serve 10.77.0.2 80 1 >"$IN_OUT" &
insandbox=$!
if wait_for_line listening "$IN_OUT" $insandbox; then
	check veth-into-sandbox "connect 10.77.0.2:80: ok, answer 4 \"ping\"" \
		ip netns exec "$NS_B" "$INETCHECK" connect 10.77.0.2 80
else
	fail "the sandbox's server did not start: $(cat "$IN_OUT")"
fi
wait $insandbox || fail "the sandbox's server exited with $?"

# --- egress ---
EGRESS_LOG="$WORK/egress.log"
check egress-allowed "connect 10.77.0.1:80: ok, answer 4 \"ping\"" \
	sandbox "$EGRESS_LOG" --network="$NSPATH" --egress=allow:10.77.0.1:80 -- /inetcheck connect 10.77.0.1 80
cat >"$ROOT/egress.sh" <<'SH'
/inetcheck connect 10.77.0.1 81
/inetcheck connect 10.77.0.3 80
/inetcheck connect 10.77.0.3 80
/inetcheck udp 10.77.0.3 99
/inetcheck connect 10.77.0.1 80
SH
check egress-refused "connect 10.77.0.1:81: ECONNREFUSED
connect 10.77.0.3:80: ECONNREFUSED
connect 10.77.0.3:80: ECONNREFUSED
udp sendto 10.77.0.3:99: EPERM
udp sendmsg 10.77.0.3:99: EPERM
udp sendmmsg 10.77.0.3:99: EPERM
udp connect 10.77.0.3:99: EPERM
connect 10.77.0.1:80: ok, answer 4 \"ping\"" \
	sandbox "$EGRESS_LOG" --network="$NSPATH" --egress=allow:10.77.0.1:80,10.0.0.0/8:53-54 -- /bin/sh /egress.sh
check egress-logged-once "1 1 1" sh -c "echo \$(grep -c 'egress refused: pid [0-9]* (inetcheck) to 10.77.0.1 port 81\"' '$EGRESS_LOG') \
\$(grep -c 'egress refused: pid [0-9]* (inetcheck) to 10.77.0.3 port 80\"' '$EGRESS_LOG') \
\$(grep -c 'egress refused: pid [0-9]* (inetcheck) to 10.77.0.3 port 99\"' '$EGRESS_LOG')"
# deny-all: the outside is refused, the namespace's own address is not.
cat >"$ROOT/own.sh" <<'SH'
/inetcheck connect 10.77.0.1 80
/inetcheck serve 10.77.0.2 9000 1 >/tmp/serve.out &
until grep -q listening /tmp/serve.out; do :; done
/inetcheck connect 10.77.0.2 9000
wait
SH
check egress-deny-all "connect 10.77.0.1:80: ECONNREFUSED
connect 10.77.0.2:9000: ok, answer 4 \"ping\"" \
	sandbox "$WORK/deny.log" --network="$NSPATH" --egress=deny-all -- /bin/sh /own.sh
check egress-bad-policy "refused" sh -c "'$RUNSCC' do --rootfs '$ROOT' --egress=allow:10.77.0.300 -- /bin/true 2>/dev/null || echo refused"

# Host names: the sentry resolves them over DNS (a server of the test's in B, named by the
# sandbox's /etc/resolv.conf), at start and again when an answer's TTL runs out; the
# nameserver is allowed on port 53; other addresses stay refused (logged once).
if command -v python3 >/dev/null; then
	cat >"$WORK/dns.py" <<'PY'
import socket, struct, sys
# A tiny DNS server for the test: A records from a table; "moving.test" answers its first
# A query with 10.77.0.5 (TTL 1) and later ones with 10.77.0.4; every query is logged.
addr, log = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((addr, 53))
print("listening", flush=True)
asked = {}
while True:
    q, peer = s.recvfrom(512)
    try:
        qid, flags, qd = struct.unpack("!HHH", q[:6])
        i, labels = 12, []
        while q[i]:
            labels.append(q[i + 1:i + 1 + q[i]].decode())
            i += 1 + q[i]
        name = ".".join(labels).lower()
        qtype, = struct.unpack("!H", q[i + 1:i + 3])
        question = q[12:i + 5]
    except Exception:
        continue
    with open(log, "a") as f:
        print(qtype, name, file=f)
    answers, rcode = [], 0
    if qtype == 1:
        n = asked[name] = asked.get(name, 0) + 1
        if name == "svc.test":
            answers = [("10.77.0.3", 300)]
        elif name == "moving.test":
            answers = [("10.77.0.5", 1)] if n == 1 else [("10.77.0.4", 300)]
        else:
            rcode = 3
    rr = b"".join(b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, ttl, 4) + socket.inet_aton(a) for a, ttl in answers)
    s.sendto(struct.pack("!HHHHHH", qid, 0x8180 | rcode, 1, len(answers), 0, 0) + question + rr, peer)
PY
	ip -n "$NS_B" addr add 10.77.0.4/24 dev veth-b
	serve_in_b 10.77.0.4 80
	DNS_OUT="$WORK/dns.out"
	ip netns exec "$NS_B" python3 "$WORK/dns.py" 10.77.0.1 "$WORK/dns-queries.log" >"$DNS_OUT" 2>&1 &
	servers+=($!)
	wait_for_line listening "$DNS_OUT" $! || fail "the DNS server in B did not start: $(cat "$DNS_OUT")"
	echo "nameserver 10.77.0.1" >"$ROOT/etc/resolv.conf"
	cat >"$ROOT/hosts.sh" <<'SH'
/inetcheck connect 10.77.0.3 80
/inetcheck connect 10.77.0.1 80
/inetcheck connect 10.77.0.1 80
/inetcheck udp 10.77.0.1 53 | head -1
nslookup svc.test 10.77.0.1 2>&1 | grep -c 10.77.0.3
i=0
until /inetcheck connect 10.77.0.4 80 | grep -q ok || [ $i -ge 600 ]; do i=$((i + 1)); sleep 0.05; done
/inetcheck connect 10.77.0.4 80
SH
	HOSTS_LOG="$WORK/egress-hosts.log"
	check egress-host-names "connect 10.77.0.3:80: ok, answer 4 \"ping\"
connect 10.77.0.1:80: ECONNREFUSED
connect 10.77.0.1:80: ECONNREFUSED
udp sendto 10.77.0.1:53: ok
1
connect 10.77.0.4:80: ok, answer 4 \"ping\"" \
		sandbox "$HOSTS_LOG" --network="$NSPATH" --egress=allow:svc.test:80,moving.test:80 -- /bin/sh /hosts.sh
	check egress-host-names-logged-once "1" grep -c 'egress refused: pid [0-9]* (inetcheck) to 10.77.0.1 port 80"' "$HOSTS_LOG"
	check egress-host-names-requeried-on-ttl "yes" sh -c "[ \$(grep -c '^1 moving.test\$' '$WORK/dns-queries.log') -ge 2 ] && echo yes"
	rm "$ROOT/etc/resolv.conf"
fi

# --- python3: http.server on 127.0.0.1 and urllib against it ---
cat >"$WORK/http.py" <<'PY'
import http.server, threading, urllib.request, urllib.error, socket
srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
srv.RequestHandlerClass.log_message = lambda *a: None
port = srv.server_address[1]
threading.Thread(target=srv.serve_forever, daemon=True).start()
for path in ("/etc/debian_version", "/etc/os-release"):
    with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path)) as r:
        body = r.read()
        print(path, r.status, len(body), body == open(path, "rb").read())
try:
    urllib.request.urlopen("http://127.0.0.1:%d/missing" % port)
except urllib.error.HTTPError as e:
    print("missing", e.code)
srv.shutdown()
s6 = socket.create_server(("::1", 0), family=socket.AF_INET6)
c = socket.create_connection(("::1", s6.getsockname()[1]))
a, _ = s6.accept()
c.sendall(b"over ipv6")
print("ipv6:", a.recv(100))
PY
. "$SRC_DIR/tests/lib/debian_rootfs.sh"
DEB="$WORK/debian"
debian_rootfs "$DEB"
make_dev_nodes "$DEB"
cp "$WORK/http.py" "$DEB/http.py"
compare python-http "$DEB" /usr/bin/python3 /http.py
finish
