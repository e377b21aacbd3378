# Shared helpers for the integration tests (sourced). Every test compares a program run in
# the sandbox with the same program run natively (chroot into the same root), on both
# platforms.
set -u

: "${RUNSCC:=runsc-c}"
: "${BUILD_DIR:=}"
: "${SRC_DIR:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
PLATFORMS=${PLATFORMS:-"unotify ptrace"}
GUEST_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

failures=0
passes=0
WORK=$(mktemp -d /tmp/runscc-test.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

skip() {
	echo "SKIP: $*"
	exit 77
}

need_root() {
	[ "$(id -u)" = 0 ] || skip "needs root (chroot for the native runs, namespaces for the sandbox)"
}

fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}

pass() {
	passes=$((passes + 1))
}

finish() {
	echo "$passes passed, $failures failed"
	[ "$failures" -eq 0 ]
}

# wait_until SECONDS CMD...: polls CMD (every 50 ms) until it succeeds; fails after SECONDS.
# The bound is generous: a busy machine is slow, and the wait ends at the event anyway.
wait_until() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.05
	done
}

# wait_for_line REGEX FILE PID: until FILE has a line matching REGEX, or process PID ended.
wait_for_line() {
	local regex=$1 file=$2 pid=$3
	wait_until 120 eval "grep -q -- '$regex' '$file' 2>/dev/null || ! kill -0 $pid 2>/dev/null"
}

# build_busybox_rootfs DIR: busybox-static with every applet linked, a passwd and group,
# and the mount points the sandbox provides.
build_busybox_rootfs() {
	local root=$1
	local bb
	bb=$(command -v busybox) || skip "busybox-static is not installed (apt-get install busybox-static)"
	mkdir -p "$root"/{bin,etc,proc,dev,sys,tmp,root,data}
	cp "$bb" "$root/bin/busybox"
	for applet in $("$root/bin/busybox" --list); do
		[ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
	done
	cat >"$root/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PASSWD
	cat >"$root/etc/group" <<'GROUP'
root:x:0:
daemon:x:1:
nogroup:x:65534:
GROUP
	chmod 1777 "$root/tmp"
	make_dev_nodes "$root"
}

# make_dev_nodes ROOT: the device nodes native (chroot) runs need; the sandbox mounts its
# own /dev over the image's and never uses these.
make_dev_nodes() {
	local root=$1
	mkdir -p "$root/dev"
	[ -e "$root/dev/null" ] || mknod -m 666 "$root/dev/null" c 1 3
	[ -e "$root/dev/zero" ] || mknod -m 666 "$root/dev/zero" c 1 5
	[ -e "$root/dev/urandom" ] || mknod -m 666 "$root/dev/urandom" c 1 9
}

# Docker's default capabilities, runsc-c do's default too (setpriv's names).
DOCKER_CAPS="chown dac_override fsetid fowner mknod net_raw setgid setuid setfcap setpcap net_bind_service sys_chroot kill audit_write"

# native_bounding_set: setpriv's --bounding-set for the capabilities run_sandbox gives with
# CAP_ADD and CAP_DROP (comma lists, ALL for every one), by Docker's rule: adding ALL keeps
# everything not dropped, dropping ALL keeps only what is added, otherwise the default set
# less what is dropped plus what is added. The native run's chroot needs sys_chroot (and
# setuid, setgid for RUN_AS): tests do not drop those.
native_bounding_set() {
	local add drop set c
	add=$(printf '%s' "${CAP_ADD:-}" | tr 'A-Z,' 'a-z ' | sed 's/cap_//g')
	drop=$(printf '%s' "${CAP_DROP:-}" | tr 'A-Z,' 'a-z ' | sed 's/cap_//g')
	if [[ " $add " == *" all "* ]]; then
		set="+all"
		for c in $drop; do set+=",-$c"; done
	elif [[ " $drop " == *" all "* ]]; then
		set="-all"
		for c in $add; do set+=",+$c"; done
	else
		set="-all"
		for c in $DOCKER_CAPS; do [[ " $drop " == *" $c "* ]] || set+=",+$c"; done
		for c in $add; do set+=",+$c"; done
	fi
	echo "$set"
}

# run_native OUTDIR ROOT CMD...: the reference run, chrooted into ROOT with the sandbox's
# default environment, as pid 1 of a new pid namespace with ROOT/proc mounted, with the
# sandbox's capabilities (Docker's by default; CAP_ADD/CAP_DROP as run_sandbox's). NATIVE_SETUP:
# shell commands run in its mount namespace first (mounts). NATIVE_NETNS=1: in a new network
# namespace too (with lo down: NATIVE_SETUP brings it up). RUN_AS=UID:GID runs it (and
# run_sandbox's) as that user.
run_native() {
	local out=$1 root=$2
	shift 2
	local setup=()
	[ -n "${NATIVE_SETUP:-}" ] && setup=(sh -ec "$NATIVE_SETUP"'
exec "$@"' sh)
	mkdir -p "$root/proc"
	(cd / && env -i PATH="$GUEST_PATH" HOME=/root unshare --pid --fork --mount ${NATIVE_NETNS:+--net} \
		--mount-proc="$root/proc" "${setup[@]}" setpriv --inh-caps=-all --ambient-caps=-all \
		--bounding-set="$(native_bounding_set)" chroot ${RUN_AS:+--userspec="$RUN_AS"} "$root" "$@") \
		>"$out/stdout" 2>"$out/stderr" </dev/null
	echo $? >"$out/status"
}

# run_sandbox OUTDIR PLATFORM ROOT CMD...; DO_OPTS: more options of runsc-c do (split on
# white space); CAP_ADD, CAP_DROP: --cap-add, --cap-drop.
run_sandbox() {
	local out=$1 platform=$2 root=$3
	shift 3
	# shellcheck disable=SC2086
	timeout 120 "$RUNSCC" --log "$out/log" do --platform="$platform" --rootfs "$root" \
		${RUN_AS:+--uid "${RUN_AS%:*}" --gid "${RUN_AS#*:}"} ${CAP_ADD:+--cap-add="$CAP_ADD"} \
		${CAP_DROP:+--cap-drop="$CAP_DROP"} ${DO_OPTS:-} -- "$@" \
		>"$out/stdout" 2>"$out/stderr" </dev/null
	echo $? >"$out/status"
}

# compare NAME ROOT CMD...: stdout, stderr and exit status equal natively and in the sandbox
# on every platform. NATIVE_ROOT=DIR runs the native side in DIR, a copy of ROOT, for a
# command that changes its root (the sandbox's changes stay in the sandbox).
compare() {
	local name=$1 root=$2
	shift 2
	local native="$WORK/$name.native"
	mkdir -p "$native"
	run_native "$native" "${NATIVE_ROOT:-$root}" "$@"
	for platform in $PLATFORMS; do
		mkdir -p "$WORK/$name.$platform"
		run_sandbox "$WORK/$name.$platform" "$platform" "$root" "$@"
	done
	compare_runs "$name" "$*" stdout stderr status
}

# compare_runs NAME WHAT FILE...: the files of every platform's run ($WORK/NAME.PLATFORM/)
# equal the native run's ($WORK/NAME.native/).
compare_runs() {
	local name=$1 what=$2
	shift 2
	local native="$WORK/$name.native"
	for platform in $PLATFORMS; do
		local sb="$WORK/$name.$platform"
		local ok=1
		for f in "$@"; do
			if ! cmp -s "$native/$f" "$sb/$f"; then
				ok=0
				fail "$name [$platform]: $f differs from the native run ($what)"
				diff -u "$native/$f" "$sb/$f" | head -20 | sed 's/^/    /'
			fi
		done
		if [ $ok = 1 ]; then
			pass
		elif [ -s "$sb/log" ]; then
			echo "    sentry log:"
			tail -5 "$sb/log" | sed 's/^/    /'
		fi
	done
}

# expect_sandbox NAME EXPECTED ROOT CMD...: behaviour of the sandbox's own, with no native
# equivalent: stdout on every platform is EXPECTED and the status 0.
expect_sandbox() {
	local name=$1 expected=$2 root=$3
	shift 3
	for platform in $PLATFORMS; do
		local sb="$WORK/$name.$platform"
		mkdir -p "$sb"
		run_sandbox "$sb" "$platform" "$root" "$@"
		printf '%s\n' "$expected" >"$sb/expected"
		if cmp -s "$sb/expected" "$sb/stdout" && [ "$(cat "$sb/status")" = 0 ]; then
			pass
		else
			fail "$name [$platform]: unexpected output (status $(cat "$sb/status"))"
			diff -u "$sb/expected" "$sb/stdout" | head -20 | sed 's/^/    /'
			head -5 "$sb/stderr" | sed 's/^/    stderr: /'
		fi
	done
}
