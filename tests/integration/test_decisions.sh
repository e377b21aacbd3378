#!/bin/bash
# What the sentry decides is what the host does (DESIGN.md, "What the host runs after the
# sentry decides").
# 1. tests/progs/decisioncheck, run as uid 1000 natively (chroot) and in the sandbox
#    (--uid 1000 --gid 1000, files in the upper layer) on every platform, prints the same:
#    no mapping writes a read-only open's file (MAP_SHARED_VALIDATE, mprotect), a write-only
#    open maps nothing, F_SETLK with l_type flipped by another thread never gives a read-only
#    opener a write lock, timer_create with the sigevent flipped by another thread is never
#    refused; a read-write open's shared mapping writes the file.
# 2. The calls the host runs after the sentry decides: every handler that can let the host
#    run a call (found in the sources) is on the list `runsc-c debug guest-host-syscalls`
#    prints (the list syscall_finish enforces), and that list is DESIGN.md's table.
# Needs root (chroot for the native run).
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/../lib/common.sh"
need_root
PROG="${BUILD_DIR:-}/tests/progs/decisioncheck"
[ -x "$PROG" ] || skip "tests/progs/decisioncheck is not built (BUILD_DIR=$BUILD_DIR)"

ROOT="$WORK/rootfs"
build_busybox_rootfs "$ROOT"
cp "$PROG" "$ROOT/decisioncheck"

# Natively on a copy: the sandbox's files stay in its upper layer, the native run's would
# be in the image.
cp -a "$ROOT" "$WORK/native-root"
RUN_AS=1000:1000 NATIVE_ROOT="$WORK/native-root" compare decisioncheck "$ROOT" /decisioncheck /tmp

src="${SRC_DIR:?}/sentry"
awk -f "$SRC_DIR/tests/lib/host_calls.awk" $(find "$src" -name '*.c' ! -name table.c | sort) \
	"$src/syscalls/table.c" | sort -u >"$WORK/continuing"
"$RUNSCC" debug guest-host-syscalls | grep -v '^#' | cut -f1 | sort -u >"$WORK/listed"
# The table's first column, between its heading and the next one.
sed -n '/^### What the host runs after the sentry decides/,/^###* [^W]/p' "$SRC_DIR/DESIGN.md" |
	grep '^| `' | cut -d'|' -f2 | grep -o '`[a-z_0-9]*`' | tr -d '`' | sort -u >"$WORK/documented"
if [ ! -s "$WORK/continuing" ] || [ ! -s "$WORK/listed" ]; then
	fail "no handlers or no list found"
else
	unlisted=$(comm -23 "$WORK/continuing" "$WORK/listed")
	[ -z "$unlisted" ] && pass || fail "handlers let the host run calls not on the list: $unlisted"
	if cmp -s "$WORK/listed" "$WORK/documented"; then
		pass
	else
		fail "debug guest-host-syscalls and DESIGN.md's table differ"
		diff "$WORK/listed" "$WORK/documented" | head -20 | sed 's/^/    /'
	fi
fi
finish
