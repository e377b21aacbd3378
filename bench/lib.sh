# shellcheck shell=bash
# Shared helpers for the bench/*.sh scripts. Source it after `set -euo pipefail`:
#   . "$(dirname "$0")/lib.sh"
#
# What a benchmark script typically does with it:
#   bench_build_dir "${1:-}"            -> BUILD_DIR (built here unless given)
#   bench_build bench_NAME              builds targets in BUILD_DIR (skipped if given)
#   bench_find_runscc                   -> RUNSCC (the runsc-c binary to use)
#   bench_tmpdir                        -> BENCH_TMP (removed on exit)
#   bench_run COLUMN CMD...             runs CMD, records its "NAME VALUE" lines as COLUMN
#   bench_skip COLUMN REASON            records that COLUMN was not measured, and why
#   bench_table UNIT                    prints ops x columns, ratios relative to column 1
#   bench_reset                         forgets them all, for another table

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BENCH_SRC=$(dirname "$BENCH_DIR")
# shellcheck disable=SC2034  # read by the scripts that source this file
BENCH_FAILED=0            # 1 once a bench_run failed: exit "$BENCH_FAILED" at the end
BENCH_COLUMNS=()   # column titles, in order
BENCH_OPS=()       # op names, in the order first seen
declare -A BENCH_VAL=()   # [column|op] = value
declare -A BENCH_NOTE=()  # [column] = why there is no value

bench_die() {
	echo "${0##*/}: $*" >&2
	exit 1
}

bench_log() {
	echo "${0##*/}: $*" >&2
}

# BUILD_DIR from the argument, else $BUILD_DIR, else the source tree's build/ (the same
# one setup.sh and test.sh use), which bench_build then configures and builds.
bench_build_dir() {
	BENCH_BUILD_GIVEN=1
	if [ -n "${1:-}" ]; then
		BUILD_DIR=$1
	elif [ -z "${BUILD_DIR:-}" ]; then
		BUILD_DIR=$BENCH_SRC/build
		BENCH_BUILD_GIVEN=0
		return 0
	fi
	[ -d "$BUILD_DIR" ] || bench_die "build directory $BUILD_DIR does not exist"
	BUILD_DIR=$(cd "$BUILD_DIR" && pwd)
}

# Builds the given CMake targets, unless the build directory was given to us (then the
# caller's build is used as it is).
bench_build() {
	[ "$BENCH_BUILD_GIVEN" = 1 ] && return 0
	command -v cmake >/dev/null || bench_die "cmake not found (run ./setup.sh --deps as root)"
	bench_log "building $* in $BUILD_DIR"
	cmake -S "$BENCH_SRC" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null ||
		bench_die "cmake configure failed"
	cmake --build "$BUILD_DIR" -j"$(nproc)" --target "$@" >/dev/null ||
		bench_die "build of $* failed (run: cmake --build $BUILD_DIR --target $*)"
	BUILD_DIR=$(cd "$BUILD_DIR" && pwd)
}

# The runsc-c to measure: $RUNSCC, else runsc-c on PATH, else BUILD_DIR/runsc-c (built if
# needed). Sets RUNSCC to an absolute path.
bench_find_runscc() {
	# The build's runsc-c before an installed one, which may be older than the build.
	if [ -n "${RUNSCC:-}" ]; then
		RUNSCC=$(command -v "$RUNSCC") || bench_die "RUNSCC=$RUNSCC is not an executable"
	elif [ "$BENCH_BUILD_GIVEN" = 0 ] || [ -x "$BUILD_DIR/runsc-c" ]; then
		bench_build runsc-c
		RUNSCC=$BUILD_DIR/runsc-c
	elif command -v runsc-c >/dev/null; then
		RUNSCC=$(command -v runsc-c)
	fi
	[ -x "$RUNSCC" ] || bench_die "no runsc-c at $RUNSCC (build it, or set RUNSCC)"
}

bench_cleanup() {
	if [ -n "${BENCH_TMP:-}" ] && [ -d "$BENCH_TMP" ]; then
		rm -rf --one-file-system "$BENCH_TMP"
	fi
}

# A private temporary directory, BENCH_TMP, removed when the script exits.
bench_tmpdir() {
	BENCH_TMP=$(mktemp -d "${TMPDIR:-/tmp}/bench.XXXXXX") || bench_die "mktemp failed"
	trap bench_cleanup EXIT
	trap 'exit 130' INT TERM
}

# A minimal rootfs for the sandboxes: the mount points they cover with their own /proc,
# /dev, /sys and /tmp. Prints nothing; the caller copies its programs in.
bench_rootfs() {
	mkdir -p "$1"/proc "$1"/dev "$1"/sys "$1"/tmp
}

bench_add_column() {
	local c
	for c in "${BENCH_COLUMNS[@]}"; do
		[ "$c" = "$1" ] && return 0
	done
	BENCH_COLUMNS+=("$1")
}

bench_add_value() {
	local o seen=0
	for o in "${BENCH_OPS[@]}"; do
		[ "$o" = "$2" ] && seen=1
	done
	[ "$seen" = 1 ] || BENCH_OPS+=("$2")
	BENCH_VAL[$1|$2]="${BENCH_VAL[$1|$2]:-}${BENCH_VAL[$1|$2]:+ }$3"
}

# The median of its arguments (numbers), printed with one decimal.
bench_median() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
		END { if (NR % 2) m = v[(NR + 1) / 2]; else m = (v[NR / 2] + v[NR / 2 + 1]) / 2
		      printf "%.1f", m }'
}

# bench_run COLUMN CMD [ARGS...]: runs CMD with stdout to a file, then records each
# "NAME VALUE" line of it under COLUMN (run it again for more rounds: the table shows the
# median of the values recorded for a cell). On failure the column says "failed", the command's
# stderr is shown, and the script will exit 1 after printing its table.
bench_run() {
	local col=$1 out err name value rest
	shift
	bench_add_column "$col"
	out=$BENCH_TMP/out.$$ err=$BENCH_TMP/err.$$
	bench_log "running $col: $*"
	local rc=0
	"$@" >"$out" 2>"$err" </dev/null || rc=$?
	if [ "$rc" != 0 ]; then
		BENCH_NOTE[$col]="failed (exit status $rc)"
		# shellcheck disable=SC2034
		BENCH_FAILED=1
		bench_log "$col failed (exit status $rc); its output:"
		sed 's/^/    /' "$out" "$err" | tail -n 20 >&2
	fi
	while read -r name value rest; do
		[[ -n "$name" && "$value" =~ ^[0-9]+(\.[0-9]+)?$ && -z "$rest" ]] || continue
		bench_add_value "$col" "$name" "$value"
	done <"$out"
	rm -f "$out" "$err"
}

# bench_run_sandboxes PLATFORMS ROOTFS CMD [ARGS...]: CMD in ROOTFS under runsc-c on each
# platform named (columns "runsc-c PLATFORM"), then under gVisor's runsc with its loopback-only
# network (column "runsc"), or that column skipped when runsc is not installed or
# RUNSC_SKIP says why not.
bench_run_sandboxes() {
	local platforms=$1 rootfs=$2 platform
	shift 2
	for platform in $platforms; do
		bench_run "runsc-c $platform" "$RUNSCC" "do" --rootfs "$rootfs" --platform="$platform" -- "$@"
	done
	if [ -n "${RUNSC_SKIP:-}" ]; then
		bench_skip runsc "$RUNSC_SKIP"
	elif command -v runsc >/dev/null; then
		bench_run runsc runsc --network=none "do" -root "$rootfs" -cwd / -- "$@"
	else
		bench_skip runsc "not installed (apt-get install runsc)"
	fi
}

# bench_reset: forget every column and value, for a second table.
bench_reset() {
	BENCH_COLUMNS=() BENCH_OPS=()
	BENCH_VAL=() BENCH_NOTE=()
}

# bench_skip COLUMN REASON
bench_skip() {
	bench_add_column "$1"
	BENCH_NOTE[$1]=$2
}

# bench_table UNIT: one row per op, one column per bench_run; every column after the first
# also shows its ratio to the first ("12.3x"). Columns that were skipped or failed show
# "-" and are explained under the table.
bench_table() {
	local unit=$1 c o v base cell
	local -a header=("op") widths=() rows=()
	local -A cells=()
	for c in "${BENCH_COLUMNS[@]}"; do
		header+=("$c $unit")
	done
	for o in "${BENCH_OPS[@]}"; do
		base=${BENCH_VAL[${BENCH_COLUMNS[0]}|$o]:-}
		# shellcheck disable=SC2086  # a cell holds one value per round
		[ -n "$base" ] && base=$(bench_median $base)
		local i=1
		cells[$o|0]=$o
		for c in "${BENCH_COLUMNS[@]}"; do
			v=${BENCH_VAL[$c|$o]:-}
			# shellcheck disable=SC2086
			[ -n "$v" ] && v=$(bench_median $v)
			if [ -z "$v" ]; then
				cell="-"
			elif [ "$i" -gt 1 ] && [ -n "$base" ]; then
				cell=$(awk -v v="$v" -v b="$base" 'BEGIN { r = (b > 0 ? v / b : 0)
					printf (r < 1 ? "%.1f (%.2fx)" : "%.1f (%.1fx)"), v, r }')
			else
				cell=$v
			fi
			cells[$o|$i]=$cell
			i=$((i + 1))
		done
	done
	local n=${#header[@]} j w
	for ((j = 0; j < n; j++)); do
		w=${#header[$j]}
		for o in "${BENCH_OPS[@]}"; do
			cell=${cells[$o|$j]}
			[ "${#cell}" -gt "$w" ] && w=${#cell}
		done
		widths+=("$w")
	done
	rows+=("$(for ((j = 0; j < n; j++)); do
		if [ "$j" = 0 ]; then printf '%-*s' "${widths[$j]}" "${header[$j]}"
		else printf '  %*s' "${widths[$j]}" "${header[$j]}"; fi
	done)")
	for o in "${BENCH_OPS[@]}"; do
		rows+=("$(for ((j = 0; j < n; j++)); do
			if [ "$j" = 0 ]; then printf '%-*s' "${widths[$j]}" "${cells[$o|$j]}"
			else printf '  %*s' "${widths[$j]}" "${cells[$o|$j]}"; fi
		done)")
	done
	printf '%s\n' "${rows[@]}"
	for c in "${BENCH_COLUMNS[@]}"; do
		[ -n "${BENCH_NOTE[$c]:-}" ] && echo "$c: ${BENCH_NOTE[$c]}"
	done
	return 0
}

# One line describing the machine, for the header of a result.
bench_machine() {
	local cpu
	cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
	echo "$(uname -sr), $(nproc) CPU(s)${cpu:+, $cpu}"
}
