# Builds (once) and caches a Debian bookworm minbase root filesystem for the tests, from
# Debian's packages with debootstrap. Sourced; defines debian_rootfs DIR.
: "${RUNSCC_CACHE:=/var/cache/runsc-c}"
DEBIAN_INCLUDE=procps,bash,dash,gawk,sed,grep,findutils,coreutils,busybox,python3,git,iproute2
DEBIAN_CACHE_VERSION=3

# debian_rootfs_cache: builds the cached rootfs tarball if missing; DEBIAN_ROOTFS_TAR names it.
debian_rootfs_cache() {
	# The package list's digest is in the name: branches that change the list never share a cache.
	local digest
	digest=$(printf %s "$DEBIAN_INCLUDE" | md5sum | cut -c1-8)
	local cache="$RUNSCC_CACHE/bookworm-minbase-v$DEBIAN_CACHE_VERSION-$digest.tar"
	DEBIAN_ROOTFS_TAR=$cache
	if [ ! -s "$cache" ]; then
		command -v debootstrap >/dev/null ||
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null ||
			skip "debootstrap is not installable"
		mkdir -p "$RUNSCC_CACHE"
		local build="$RUNSCC_CACHE/build.$$"
		rm -rf "$build"
		echo "building the Debian rootfs cache in $cache (once)..."
		# No mirror named: debootstrap uses Debian's default one (DEBIAN_MIRROR overrides).
		if ! debootstrap --variant=minbase --include="$DEBIAN_INCLUDE" bookworm "$build" \
			${DEBIAN_MIRROR:+"$DEBIAN_MIRROR"} >"$RUNSCC_CACHE/debootstrap.log" 2>&1; then
			tail -5 "$RUNSCC_CACHE/debootstrap.log"
			rm -rf "$build"
			skip "debootstrap failed (network?), see $RUNSCC_CACHE/debootstrap.log"
		fi
		tar -C "$build" -cf "$cache.tmp" . && mv "$cache.tmp" "$cache"
		rm -rf "$build"
	fi
}

# debian_rootfs DIR: DIR becomes a fresh copy of the cached rootfs (built if missing).
debian_rootfs() {
	local dir=$1
	debian_rootfs_cache
	mkdir -p "$dir"
	tar -C "$dir" -xf "$DEBIAN_ROOTFS_TAR"
}

# debian_rootfs_netlink DIR: a fresh Debian rootfs with device nodes, its iproute2 (skips the
# test without it) and the build's netlinkcheck at /netlinkcheck.
debian_rootfs_netlink() {
	local dir=$1
	debian_rootfs "$dir"
	make_dev_nodes "$dir"
	[ -x "$dir/usr/sbin/ip" ] || skip "the Debian test rootfs has no iproute2"
	cp "$BUILD_DIR/tests/progs/netlinkcheck" "$dir/netlinkcheck"
}
