#!/bin/bash
# Busybox applets (static) give the same stdout, stderr and exit status in the sandbox as
# natively, on both platforms. Needs root: the native reference runs in a chroot.
. "$(dirname "$0")/../lib/common.sh"
need_root

ROOT="$WORK/rootfs"
build_busybox_rootfs "$ROOT"
mkdir -p "$ROOT/data/tree/sub/deeper" "$ROOT/data/empty"
printf 'banana\napple\ncherry\napple\n\nbanana\nzebra 10\nalpha 2\n' >"$ROOT/data/words"
seq 1 5000 >"$ROOT/data/numbers"
head -c 70000 /dev/urandom >"$ROOT/data/random.bin"
printf 'a:b:c\nd:e:f\n1:2:3\n' >"$ROOT/data/fields"
printf 'root here\nnothing\n' >"$ROOT/data/tree/a.txt"
printf 'no match\n' >"$ROOT/data/tree/sub/b.txt"
printf 'root again\n' >"$ROOT/data/tree/sub/deeper/c.txt"
ln -s ../a.txt "$ROOT/data/tree/sub/link-to-a"
ln -s /data/words "$ROOT/data/abs-link"
chmod 600 "$ROOT/data/tree/sub/b.txt"
touch -d '2020-01-02 03:04:05' "$ROOT/data/tree/a.txt" "$ROOT/data/words"

compare echo "$ROOT" echo hello world
compare cat "$ROOT" cat /data/words /data/numbers
compare cat-missing "$ROOT" cat /data/nope
compare ls-la "$ROOT" ls -la /data /data/tree /data/tree/sub
compare ls-R "$ROOT" ls -R /data/tree
compare wc "$ROOT" wc /data/words /data/numbers /data/random.bin
compare head "$ROOT" head -n 7 /data/numbers
compare tail "$ROOT" tail -n 13 /data/numbers
compare tail-c "$ROOT" tail -c 100 /data/random.bin
compare sort "$ROOT" sort /data/words
compare sort-n "$ROOT" sort -n -r /data/numbers
compare uniq "$ROOT" uniq -c /data/words
compare sha256sum "$ROOT" sha256sum /data/random.bin /data/numbers
compare md5sum "$ROOT" md5sum /data/random.bin /data/words
compare find "$ROOT" find /data -name '*.txt'
compare find-type "$ROOT" find /data/tree -type l
compare stat "$ROOT" stat /data/words /data/tree /data/abs-link
compare stat-L "$ROOT" stat -L /data/abs-link
# The release and version are the sandbox's own (not the host's): the rest as natively.
compare uname "$ROOT" uname -s -n -m
expect_sandbox uname-release "6.1.0-runsc-c
#1 SMP runsc-c
6.1.0-runsc-c
Linux version 6.1.0-runsc-c (runsc-c@sandbox) (runsc-c) #1 SMP runsc-c" "$ROOT" \
	sh -c 'uname -r; uname -v; cat /proc/sys/kernel/osrelease /proc/version'
DO_OPTS=--uname-release=5.10.0-custom expect_sandbox uname-release-set "5.10.0-custom
5.10.0-custom" "$ROOT" sh -c 'uname -r; cat /proc/sys/kernel/osrelease'
compare id "$ROOT" id
compare env "$ROOT" env
compare true "$ROOT" true
compare false "$ROOT" false
compare readlink "$ROOT" readlink /data/abs-link /data/tree/sub/link-to-a
compare readlink-f "$ROOT" readlink -f /data/tree/sub/link-to-a
compare basename "$ROOT" basename /a/b/c.txt .txt
compare dirname "$ROOT" dirname /a/b/c.txt
compare seq "$ROOT" seq 3 7 40
compare od "$ROOT" od -A x -t x1z /data/fields
compare cut "$ROOT" cut -d: -f2,3 /data/fields
compare tr "$ROOT" tr a-z A-Z </dev/null
compare tr-file "$ROOT" sh -c 'tr a-z A-Z < /data/words'
compare printf "$ROOT" printf '%s-%d-%x\n' abc 42 255
compare grep-r "$ROOT" grep -r root /data/tree
compare grep-missing "$ROOT" grep -r zzz /data/tree
compare du "$ROOT" du -a /data/tree
compare expr "$ROOT" expr 6 '*' 7
compare expr-false "$ROOT" expr 0 + 0
finish
