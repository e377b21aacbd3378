#!/bin/bash
# Capabilities, enforced by the sentry: tests/progs/capcheck (the five sets, capget/capset,
# PR_CAPBSET_*, PR_CAP_AMBIENT_*, keepcaps and securebits, set*uid and execve transitions,
# and the checks that ask for a capability) run natively and in the sandbox with the same
# capabilities, on both platforms: stdout, stderr and exit status equal. The sandbox gets
# them from `runsc-c do --cap-add/--cap-drop` (Docker's default set otherwise); the native
# run, as root with every capability, from `capcheck caps MASK` in its chroot (MASK is what
# setpriv makes of the same flags by Docker's rule: tests/lib/common.sh), or from the
# harness's setpriv for a non-root user. Needs root.
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/../lib/common.sh"
need_root

[ -x "${BUILD_DIR:-}/tests/progs/capcheck" ] || skip "tests/progs/capcheck is not built (BUILD_DIR=${BUILD_DIR:-unset})"
command -v unshare >/dev/null || skip "unshare (util-linux) is needed for the native runs"
command -v setpriv >/dev/null || skip "setpriv (util-linux) is needed for the native runs"

# Capabilities this shell lacks (a CI runner has them all; a container may not) cannot be
# given to the native run: the sandbox does without them too.
HOST_CAPS=$((0x$(awk '/^CapEff/ { print $2 }' /proc/self/status)))
MISSING=""
i=0
for name in $(setpriv --list-caps); do
	(((HOST_CAPS >> i) & 1)) || MISSING+=" $name"
	i=$((i + 1))
done
for needed in sys_chroot setuid setgid setpcap; do
	[[ " $MISSING " != *" $needed "* ]] || skip "the native runs need CAP_${needed^^}"
done
[ -z "$MISSING" ] || echo "NOTE: the host lacks${MISSING}: the sandbox's runs drop them too"

# without_missing LIST: LIST (comma-separated) less the capabilities the host lacks.
without_missing() {
	local out="" c
	for c in ${1//,/ }; do
		[[ " $MISSING " == *" $(echo "${c#[Cc][Aa][Pp]_}" | tr 'A-Z' 'a-z') "* ]] || out+="${out:+,}$c"
	done
	echo "$out"
}

ROOT="$WORK/rootfs"
build_busybox_rootfs "$ROOT"
cp "$BUILD_DIR/tests/progs/capcheck" "$ROOT/capcheck"
# Files of another user: each needs a capability to be opened, searched or executed.
mkdir -p "$ROOT/capdata/d0700"
touch "$ROOT/capdata/"{f0466,f0600,f0000,d0700/file,x0644}
chmod 0466 "$ROOT/capdata/f0466"
chmod 0600 "$ROOT/capdata/f0600"
chmod 0000 "$ROOT/capdata/f0000"
chmod 0644 "$ROOT/capdata/x0644"
chmod 0700 "$ROOT/capdata/d0700"
chown -R 1000:1000 "$ROOT/capdata"
chmod 1777 "$ROOT/capdata"
# Root's own file without write permission for its owner: only CAP_DAC_OVERRIDE writes.
touch "$ROOT/capdata/own0466"
chown 0:0 "$ROOT/capdata/own0466"
chmod 0466 "$ROOT/capdata/own0466"

# The capability set the sandbox gives for CAP_ADD/CAP_DROP, as a hex mask.
caps_mask() {
	setpriv --inh-caps=-all --bounding-set="$(native_bounding_set)" \
		awk '/^CapBnd/ { print $2 }' /proc/self/status
}

# compare_caps NAME: capcheck with the capabilities CAP_ADD/CAP_DROP give, natively and in
# the sandbox.
compare_caps() {
	local name=$1 mask
	CAP_ADD=$(without_missing "$CAP_ADD")
	if [ -n "$MISSING" ] && [ "${CAP_DROP^^}" != ALL ]; then
		CAP_DROP=$(echo "${CAP_DROP:+$CAP_DROP,}${MISSING# }" | tr ' ' ',')
	fi
	mask=$(caps_mask)
	mkdir -p "$WORK/$name.native"
	CAP_ADD=ALL CAP_DROP='' run_native "$WORK/$name.native" "$ROOT" \
		/capcheck caps "$mask" /capcheck /capdata
	for platform in $PLATFORMS; do
		mkdir -p "$WORK/$name.$platform"
		run_sandbox "$WORK/$name.$platform" "$platform" "$ROOT" /capcheck /capdata
	done
	compare_runs "$name" "capcheck with --cap-add='${CAP_ADD:-}' --cap-drop='${CAP_DROP:-}'" \
		stdout stderr status
}

CAP_ADD='' CAP_DROP='' compare_caps docker-default
CAP_ADD='' CAP_DROP=ALL compare_caps drop-all
CAP_ADD='' CAP_DROP=DAC_OVERRIDE,CHOWN,KILL,FOWNER,FSETID,SETPCAP compare_caps drop-some
CAP_ADD=SYS_ADMIN,SYS_NICE,SYS_RESOURCE,DAC_READ_SEARCH CAP_DROP='' compare_caps add-some
CAP_ADD=ALL CAP_DROP=SETUID compare_caps add-all-but-setuid
CAP_ADD=chown CAP_DROP=all compare_caps only-chown
# A non-root user: no capabilities after its exec (the harness's setpriv, Docker's set).
RUN_AS=1000:1000 compare capcheck-user "$ROOT" /capcheck /capdata
# What the shell sees of its own sets, also after su-style drops done by busybox.
compare status-lines "$ROOT" sh -c 'grep ^Cap /proc/self/status; chown 5 /capdata/x0644; echo chown $?; hostname "$(hostname)"; echo hostname $?'
CAP_DROP=CHOWN compare status-lines-drop "$ROOT" sh -c 'grep ^Cap /proc/self/status; chown 5 /capdata/x0644; echo chown $?'
finish
