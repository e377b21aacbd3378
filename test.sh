#!/bin/bash
# The whole test suite, as CI runs it (.ci/run): on a fresh Debian 12 machine, as root.
# Installs what the build and the tests need, builds, then runs the unit tests (Check) and
# the integration tests (programs in the sandbox compared with the same programs run
# natively). Any argument is passed to ctest (e.g. -R busybox).
set -euo pipefail
cd "$(dirname "$0")"
[ "$(id -u)" = 0 ] || { echo "test.sh: run as root (the tests chroot and create namespaces)" >&2; exit 1; }
./setup.sh --deps
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)"
cd build
ctest --output-on-failure --timeout 1800 "$@"
