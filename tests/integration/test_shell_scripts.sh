#!/bin/bash
# A corpus of shell scripts (tests/scripts) run with busybox sh, Debian's dash and bash, in
# the sandbox and natively (chroot into the same root): stdout, stderr and exit status equal,
# on both platforms. Needs root (chroot) and, once, network for debootstrap (cached).
. "$(dirname "$0")/../lib/common.sh"
. "$SRC_DIR/tests/lib/debian_rootfs.sh"
need_root

SCRIPTS="$SRC_DIR/tests/scripts"

BB="$WORK/busybox-root"
build_busybox_rootfs "$BB"
cp -r "$SCRIPTS" "$BB/scripts"
for s in "$SCRIPTS"/*.sh; do
	name=$(basename "$s" .sh)
	compare "busybox-sh-$name" "$BB" /bin/sh "/scripts/$name.sh"
done

DEB="$WORK/debian-root"
debian_rootfs "$DEB"
cp -r "$SCRIPTS" "$DEB/scripts"
for shell in dash bash; do
	for s in "$SCRIPTS"/*.sh; do
		name=$(basename "$s" .sh)
		compare "$shell-$name" "$DEB" "/bin/$shell" "/scripts/$name.sh"
	done
done
for s in "$SCRIPTS"/*.bash; do
	name=$(basename "$s" .bash)
	compare "bash-$name" "$DEB" /bin/bash "/scripts/$name.bash"
done
finish
