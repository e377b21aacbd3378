#!/bin/bash
# Set-up on a fresh Debian 12 machine, as root: installs what runsc-c needs, builds it,
# installs /usr/local/bin/runsc-c, and runs a program in a sandbox to show it works.
#   ./setup.sh            everything
#   ./setup.sh --deps     only the Debian packages
set -euo pipefail
cd "$(dirname "$0")"

PACKAGES=(build-essential cmake pkg-config libseccomp-dev libunwind-dev check libjson-c-dev
	libcap-dev uthash-dev busybox-static debootstrap procps util-linux
	python3 jq runc iproute2 curl libbpf-dev attr libcap2-bin)

install_deps() {
	local missing=()
	for p in "${PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq
		apt-get install -y -qq "${missing[@]}" >/dev/null
	fi
}

build() {
	cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build build -j"$(nproc)"
}

demo() {
	local root=/var/lib/runsc-c/demo-rootfs
	rm -rf "$root"
	mkdir -p "$root"/{bin,etc,proc,dev,sys,tmp}
	cp "$(command -v busybox)" "$root/bin/busybox"
	for applet in $("$root/bin/busybox" --list); do
		[ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
	done
	echo 'root:x:0:0:root:/root:/bin/sh' >"$root/etc/passwd"
	echo 'root:x:0:' >"$root/etc/group"
	local script='uname -a; id; echo "I am pid $$"; ls /; ps'
	echo "== runsc-c do --rootfs $root -- /bin/sh -c '$script'"
	runsc-c "do" --rootfs "$root" -- /bin/sh -c "$script"
}

[ "$(id -u)" = 0 ] || { echo "setup.sh: run as root" >&2; exit 1; }
install_deps
[ "${1:-}" = --deps ] && exit 0
build
cmake --install build >/dev/null
echo "installed $(command -v runsc-c)"
demo
