#!/bin/bash
# The whole test suite, as CI runs it (.ci/run): on a fresh Debian 12 machine, as root.
# Installs what the build and the tests need, builds, then runs the unit tests (Check) and
# the integration tests (programs in the sandbox compared with the same programs run
# natively). Any other argument is passed to ctest (e.g. -R busybox, --repeat until-fail:5).
#   ./test.sh --stress ...   the same, with a busy loop on every vCPU beside the tests (what a
#                            busy CI machine looks like); RUNSCC_STRESS=1 does the same.
set -euo pipefail
cd "$(dirname "$0")"
stress=${RUNSCC_STRESS:-0}
if [ "${1:-}" = --stress ]; then
	stress=1
	shift
fi
[ "$(id -u)" = 0 ] || { echo "test.sh: run as root (the tests chroot and create namespaces)" >&2; exit 1; }
./setup.sh --deps
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)"
cd build
if [ "$stress" = 1 ]; then
	for _ in $(seq "$(nproc)"); do
		(trap 'exit 0' TERM; while :; do :; done) &
	done
	trap 'kill $(jobs -p) 2>/dev/null' EXIT
	echo "test.sh: $(nproc) busy loops run beside the tests"
fi
ctest --output-on-failure --timeout 1800 "$@"
