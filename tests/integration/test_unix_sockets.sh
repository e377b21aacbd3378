#!/bin/bash
# Unix domain sockets, proven by tests/progs/unixcheck (one line per check, the same stdout,
# stderr and exit status natively and in the sandbox, on both platforms): socketpair of each
# type across fork, message boundaries of SOCK_SEQPACKET and SOCK_DGRAM, MSG_PEEK,
# MSG_DONTWAIT, MSG_TRUNC; a listener on a path, on a SOCK_SEQPACKET path and on an abstract
# name with three clients each; names (getsockname, getpeername, autobind), ECONNREFUSED,
# EADDRINUSE, EPROTOTYPE, bad address lengths and pointers; non-blocking accept, poll on a
# listener and on connected sockets, shutdown(SHUT_WR) giving EOF, EPIPE; SO_PEERCRED (the
# peer's pid as the program sees it with getpid, and its uid and gid: virtual ids in the
# sandbox), SCM_CREDENTIALS, SO_PASSCRED; SCM_RIGHTS passing an open file (shared offset) and
# a pipe end to a child, 250 fds, 254 (EINVAL), a bad fd (EBADF), too small a control buffer
# (MSG_CTRUNC), fds dropped by a plain read, MSG_PEEK with fds; datagrams on path names
# (sendto, recvfrom with the sender's name, connect, send, write); blocking recvmsg and accept
# woken by a peer, and recvmsg ended by a signal (EINTR) or restarted (SA_RESTART).
# Checked in the sandbox only: netlink protocols other than NETLINK_ROUTE are refused
# (EPROTONOSUPPORT), socketpair is AF_UNIX's, and
# /proc/net/unix lists the sandbox's own sockets.
# python3 multiprocessing (Pool, Manager, socket.send_fds) with the Debian test rootfs's python3.
# Needs root.
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/../lib/common.sh"
need_root

[ -x "${BUILD_DIR:-}/tests/progs/unixcheck" ] || skip "tests/progs/unixcheck is not built (BUILD_DIR=${BUILD_DIR:-unset})"
command -v unshare >/dev/null || skip "unshare (util-linux) is needed for the native runs"

ROOT="$WORK/rootfs"
build_busybox_rootfs "$ROOT"
cp "$BUILD_DIR/tests/progs/unixcheck" "$ROOT/unixcheck"

compare unix-sockets "$ROOT" /unixcheck /tmp/unixcheck

expect_sandbox unix-only "socket AF_NETLINK NETLINK_AUDIT: EPROTONOSUPPORT
socketpair AF_INET: EOPNOTSUPP" "$ROOT" /unixcheck sandbox

# /proc/net/unix lists the sandbox's sockets, in Linux's format (natively it would list the
# whole host's).
expect_sandbox proc-net-unix "Num       RefCount Protocol Flags    Type St Inode Path
0000000000000000: 00000002 00000000 00010000 0001 01 N @unixcheck-proc
0000000000000000: 00000002 00000000 00000000 0002 03 N
0000000000000000: 00000002 00000000 00000000 0002 03 N" "$ROOT" /unixcheck procnet

# --- python3 multiprocessing ---
cat >"$WORK/mp.py" <<'PY'
import multiprocessing as mp, os, socket

def square(x):
    return x * x

def child(d, l):
    d["k"] = "v"
    l.append(os.getpid() > 0)

if __name__ == "__main__":
    with mp.Pool(3) as p:
        print("pool:", sum(p.map(square, range(100))))
    m = mp.Manager()
    d, l = m.dict(), m.list()
    pr = mp.Process(target=child, args=(d, l))
    pr.start()
    pr.join()
    print("manager:", dict(d), list(l), pr.exitcode)
    m.shutdown()
    a, b = socket.socketpair()
    r, w = os.pipe()
    socket.send_fds(a, [b"fd"], [w])
    msg, fds, flags, addr = socket.recv_fds(b, 16, 4)
    os.write(fds[0], b"through the passed fd")
    print("send_fds:", msg, os.read(r, 100))
    pid, uid, gid = __import__("struct").unpack("3i", a.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))
    print("SO_PEERCRED pid is mine:", pid == os.getpid(), "uid:", uid == os.geteuid())
PY
. "$SRC_DIR/tests/lib/debian_rootfs.sh"
DEB="$WORK/debian"
debian_rootfs "$DEB"
make_dev_nodes "$DEB"
cp "$WORK/mp.py" "$DEB/mp.py"
compare python-multiprocessing "$DEB" /usr/bin/python3 /mp.py
finish
