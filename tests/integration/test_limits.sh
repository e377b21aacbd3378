#!/bin/bash
# The sandbox's own limits: --overlay-size bounds what the guest may write into the root's
# in-memory upper layer (ENOSPC, as a native tmpfs with the same size= gives it), and
# --memory puts the whole sandbox in a memory cgroup of its own, so a guest that allocates
# without end meets its own limit (the kernel's OOM kill: SIGKILL), never the host's.
# Needs root (chroot, mounts and cgroups).
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/security.sh"
need_root

ROOT="$WORK/rootfs"
build_busybox_rootfs "$ROOT"
MEMHOG=$(guest_prog memhog)
cp "$MEMHOG" "$ROOT/memhog"

# --overlay-size: the sandbox's root against a native tmpfs of that size on /tmp.
fill='dd if=/dev/zero of=/tmp/big bs=64k count=64; echo "dd: $?"; rm /tmp/big
dd if=/dev/zero of=/tmp/big bs=64k count=8; echo "after rm: $?"'
NATIVE_SETUP="mount -t tmpfs -o size=1m tmpfs $ROOT/tmp" DO_OPTS="--overlay-size 1m" \
	compare overlay-size "$ROOT" /bin/sh -c "$fill"
# The default bound (half of the host's memory, as tmpfs) shows in df.
expect_sandbox overlay-default "$(awk '/^MemTotal:/ { print int($2 / 2 / 4) * 4 }' /proc/meminfo)" \
	"$ROOT" /bin/sh -c "df -k / | awk 'NR == 2 { print int(\$2 / 4) * 4 }'"

# --memory: a hog is killed, a small allocation is not; the cgroup (named after the CLI's
# pid) is gone afterwards.
for platform in $PLATFORMS; do
	pids=""
	for mib in 16 512; do
		out="$WORK/memory-$mib.$platform"
		mkdir -p "$out"
		(echo "$BASHPID" >"$out/pid"; exec "$RUNSCC" --log "$out/log" do \
			--platform="$platform" --rootfs "$ROOT" --memory 64m -- /memhog "$mib") \
			>"$out/stdout" 2>"$out/stderr" </dev/null
		echo $? >"$out/status"
		pids="$pids $(cat "$out/pid")"
		want=0
		[ "$mib" = 512 ] && want=137
		if [ "$(cat "$out/status")" = "$want" ]; then
			pass
		else
			fail "--memory 64m, memhog $mib [$platform]: status $(cat "$out/status"), expected $want: $(cat "$out/stdout" "$out/stderr")"
		fi
	done
	left=$(for pid in $pids; do find /sys/fs/cgroup -maxdepth 3 -path "*/runsc-c/do-$pid" 2>/dev/null; done)
	if [ -z "$left" ]; then
		pass
	else
		fail "--memory [$platform]: cgroups left behind: $left"
	fi
done
finish
