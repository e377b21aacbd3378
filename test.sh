#!/bin/bash
# The whole test suite, as CI runs it (.ci/run): on a fresh Debian 12 machine, as root.
# Installs what the build and the tests need, builds, then runs the unit tests (Check) and
# the integration tests (programs in the sandbox compared with the same programs run
# natively), and fuzzes a second build of runsc-c with ASan and UBSan (test_fuzz). Any other
# argument is passed to ctest (e.g. -R busybox, --repeat until-fail:5).
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
# runsc-c again with ASan and UBSan and allocation fault injection (build-sanitize/), which
# test_fuzz also fuzzes (RUNSCC_SAN), with and without failing allocations; RUNSCC_SANITIZE=0
# leaves it out.
if [ "${RUNSCC_SANITIZE:-1}" != 0 ]; then
	cmake -S . -B build-sanitize -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRUNSCC_SANITIZE=ON \
		-DRUNSCC_FAULT_INJECTION=ON >/dev/null
	cmake --build build-sanitize -j"$(nproc)" --target runsc-c
	export RUNSCC_SAN=$PWD/build-sanitize/runsc-c RUNSCC_SAN_FAULT_INJECTION=1
fi
cd build
if [ "$stress" = 1 ]; then
	for _ in $(seq "$(nproc)"); do
		(trap 'exit 0' TERM; while :; do :; done) &
	done
	trap 'kill $(jobs -p) 2>/dev/null' EXIT
	echo "test.sh: $(nproc) busy loops run beside the tests"
fi
ctest --output-on-failure --timeout 1800 "$@"
