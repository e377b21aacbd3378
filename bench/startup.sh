#!/bin/bash
# Container start-up and idle memory: runc vs runsc-c vs gVisor's runsc, in one invocation.
#   (a) bundle_run: `RUNTIME run` of /bin/true from an OCI bundle (create + start + wait +
#       delete), the median of RUNS runs, runtimes interleaved;
#   (b) docker_run: `docker run --rm --network=none IMAGE /bin/true` with each runtime;
#   (c) idle memory of one sandbox running `sleep`: the RSS and PSS (smaps_rollup) summed
#       over the runtime's processes that stay (runsc-c: gofer + sentry; runsc: its
#       sandbox, gofer and stub processes), the median of MEM_RUNS sandboxes.
#
#   bench/startup.sh [BUILD_DIR]
#
# BUILD_DIR and the runsc-c measured are chosen as in bench/syscall.sh. RUNS=N (default 10),
# MEM_RUNS=N (default 3). Installs runc, runsc and jq (Debian packages) when missing; the
# docker rows set up docker as the tests do (tests/lib/docker.sh) and are skipped, with the
# reason, when it cannot run. Run as root.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || bench_die "run as root (the runtimes need it)"
bench_build_dir "${1:-}"
bench_find_runscc
RUNS=${RUNS:-10}
MEM_RUNS=${MEM_RUNS:-3}
[[ "$RUNS" =~ ^[1-9][0-9]*$ && "$MEM_RUNS" =~ ^[1-9][0-9]*$ ]] ||
	bench_die "RUNS and MEM_RUNS must be positive integers"

bench_install() {
	local missing=() p
	for p in "$@"; do
		command -v "$p" >/dev/null || missing+=("$p")
	done
	[ ${#missing[@]} = 0 ] && return 0
	bench_log "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 ||
		{ apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null; } ||
		bench_die "cannot install ${missing[*]}"
}
bench_install runc runsc jq busybox
RUNSC=$(command -v runsc)

# Two bundles over one busybox rootfs: /bin/true and `sleep 1000`, from runc's default spec.
bench_tmpdir
BUNDLE=$BENCH_TMP/true
SLEEPER=$BENCH_TMP/sleep
ROOTFS=$BUNDLE/rootfs
bench_rootfs "$ROOTFS"
mkdir -p "$ROOTFS/bin" "$SLEEPER"
cp "$(command -v busybox)" "$ROOTFS/bin/busybox"
for applet in true sleep sh; do
	ln -s busybox "$ROOTFS/bin/$applet"
done
(cd "$BUNDLE" && runc spec)
jq '.process.terminal = false | .process.args = ["/bin/true"]' "$BUNDLE/config.json" \
	>"$BENCH_TMP/config.json" && mv "$BENCH_TMP/config.json" "$BUNDLE/config.json"
jq '.process.args = ["/bin/sleep", "1000"] | .root.path = $root' --arg root "$ROOTFS" \
	"$BUNDLE/config.json" >"$SLEEPER/config.json"

# Each runtime keeps its state under BENCH_TMP; runsc has no network stack to start.
RUNSCC_CMD=("$RUNSCC" --root "$BENCH_TMP/state-runsc-c")
RUNC_CMD=(runc --root "$BENCH_TMP/state-runc")
RUNSC_CMD=("$RUNSC" --root "$BENCH_TMP/state-runsc" --network=none)

# time_ms OP CMD...: "OP MILLISECONDS" for one run of CMD.
time_ms() {
	local op=$1 t0 t1
	shift
	t0=$(date +%s%N)
	"$@" || return
	t1=$(date +%s%N)
	awk -v op="$op" -v ns=$((t1 - t0)) 'BEGIN { printf "%s %.1f\n", op, ns / 1e6 }'
}

# ---- docker: set up as the tests do, the two sandboxes registered beside runc ----
DOCKER_RUNTIME=runsc-c-bench
RUNSC_DOCKER_RUNTIME=runsc-bench
DOCKER_NOTE=""
docker_ready() {
	(
		set +eu
		# shellcheck source=tests/lib/common.sh
		. "$BENCH_SRC/tests/lib/common.sh"
		# shellcheck source=tests/lib/docker.sh
		. "$BENCH_SRC/tests/lib/docker.sh"
		runsc_registered() { [ -n "$(docker_runtime_path $RUNSC_DOCKER_RUNTIME)" ]; }
		docker_install || skip "docker.io, containerd and runc cannot be installed"
		docker_start || skip "containerd or dockerd does not start (logs in $DOCKER_LOG_DIR)"
		docker_register_runtime || skip "runsc-c install failed"
		if ! runsc_registered; then
			"$RUNSC" install --runtime $RUNSC_DOCKER_RUNTIME -- --network=none >/dev/null 2>&1 &&
				dockerd_reload runsc_registered || skip "runsc install failed"
		fi
		docker_import_busybox || skip "docker import failed"
		echo "$BUSYBOX_IMAGE"
	)
}
if IMAGE=$(docker_ready 2>&1 | tail -n 1) && [ "${IMAGE#SKIP}" = "$IMAGE" ]; then
	DOCKER=1
else
	DOCKER=0
	DOCKER_NOTE="docker_run: not measured (${IMAGE#SKIP: })"
fi

docker_true() {
	time_ms docker_run docker run --rm --network=none --runtime="$1" "$IMAGE" /bin/true
}

for ((i = 1; i <= RUNS; i++)); do
	bench_run runc time_ms bundle_run "${RUNC_CMD[@]}" run --bundle "$BUNDLE" "runc-$$-$i"
	bench_run runsc-c time_ms bundle_run "${RUNSCC_CMD[@]}" run --bundle "$BUNDLE" "runscc-$$-$i"
	bench_run runsc time_ms bundle_run "${RUNSC_CMD[@]}" run --bundle "$BUNDLE" "runsc-$$-$i"
	bench_run native time_ms bundle_run chroot "$ROOTFS" /bin/true
	if [ "$DOCKER" = 1 ]; then
		bench_run runc docker_true runc
		bench_run runsc-c docker_true $DOCKER_RUNTIME
		bench_run runsc docker_true $RUNSC_DOCKER_RUNTIME
	fi
done

echo "bench/startup: milliseconds (lower is better); (Nx) = that runtime's time / runc's"
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); machine: $(bench_machine)"
echo "runsc-c: $RUNSCC; runc: $(runc --version | head -n 1); runsc: $($RUNSC --version | head -n 1)"
echo "each cell: the median of $RUNS runs; native = chroot ROOTFS /bin/true, for scale"
[ -n "$DOCKER_NOTE" ] && echo "$DOCKER_NOTE"
echo
bench_table ms
echo

# ---- idle memory of one sandbox ----

# runtime_pids EXE: the processes running EXE, sorted.
runtime_pids() {
	local exe
	for exe in /proc/[0-9]*/exe; do
		[ "$(readlink "$exe" 2>/dev/null)" = "$1" ] && { exe=${exe#/proc/}; echo "${exe%/exe}"; }
	done | sort
	return 0
}

container_running() {
	[ "$("$@" | jq -r .status 2>/dev/null)" = running ]
}

# idle_memory EXE ID RUNTIME_CMD...: starts the sleeper detached, waits (bounded) until the
# runtime says it runs, and prints the RSS and PSS (kB) of the processes running EXE that
# it left behind; then kills and deletes it.
idle_memory() {
	local exe=$1 id=$2 before pids p rss=0 pss=0 n=0
	shift 2
	before=$(runtime_pids "$exe")
	"$@" run --detach --bundle "$SLEEPER" "$id" </dev/null >/dev/null 2>&1 ||
		{ echo "$* run --detach failed" >&2; return 1; }
	local deadline=$((SECONDS + 20))
	until container_running "$@" state "$id"; do
		[ $SECONDS -lt $deadline ] || { echo "$id never ran" >&2; return 1; }
		sleep 0.1
	done
	pids=$(comm -13 <(echo "$before") <(runtime_pids "$exe"))
	for p in $pids; do
		rss=$((rss + $(awk '/^VmRSS:/ { print $2 }' /proc/"$p"/status)))
		pss=$((pss + $(awk '/^Pss:/ { print $2 }' /proc/"$p"/smaps_rollup)))
		n=$((n + 1))
	done
	"$@" kill "$id" KILL >/dev/null 2>&1
	"$@" delete --force "$id" >/dev/null 2>&1
	echo "idle_rss_kb $rss"
	echo "idle_pss_kb $pss"
	echo "processes $n"
}

bench_reset
for ((i = 1; i <= MEM_RUNS; i++)); do
	bench_run runsc-c idle_memory "$RUNSCC" "runscc-idle-$$-$i" "${RUNSCC_CMD[@]}"
	bench_run runsc idle_memory "$RUNSC" "runsc-idle-$$-$i" "${RUNSC_CMD[@]}"
done
echo "idle sandbox running sleep: kB summed over the runtime's resident processes (the"
echo "guest's own sleep process is not counted); (Nx) = runsc / runsc-c; runc keeps no"
echo "process of its own beside the container's; median of $MEM_RUNS sandboxes"
echo
bench_table kB
exit "$BENCH_FAILED"
