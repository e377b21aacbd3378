# Docker for the tests (sourced after common.sh): docker_setup installs docker.io,
# containerd and runc when missing, starts containerd and dockerd when they are not running
# (no systemd here: in the background, logs in $DOCKER_LOG_DIR), registers the runsc-c of
# this build as the runtime $DOCKER_RUNTIME (and, with --overlay=none, as
# $DOCKER_RUNTIME_OVERLAY_NONE), and imports the test images. The daemons stay
# up for later tests; every container a test names with docker_name is removed at exit.
# Needs root.

. "$SRC_DIR/tests/lib/debian_rootfs.sh"

DOCKER_RUNTIME=${DOCKER_RUNTIME:-runsc-c-test}
DOCKER_RUNTIME_OVERLAY_NONE=$DOCKER_RUNTIME-overlay-none
BUSYBOX_IMAGE=runscc-busybox:test
DEBIAN_IMAGE=runscc-debian:test
DOCKER_LOG_DIR=/var/log/runsc-c-test
CONTAINERD_SOCK=/run/containerd/containerd.sock
# Every container a test makes is named with this prefix, so that exit can remove them.
DOCKER_PREFIX="runscc-test-$$"

trap 'docker_cleanup; rm -rf "$WORK"' EXIT

# poll_until SECONDS CMD...: runs CMD every 0.1 s until it succeeds; fails after SECONDS.
poll_until() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		[ $SECONDS -lt $deadline ] || return 1
		sleep 0.1
	done
}

docker_install() {
	local missing=0
	for cmd in docker dockerd containerd ctr containerd-shim-runc-v2 runc; do
		command -v $cmd >/dev/null || missing=1
	done
	[ $missing = 0 ] && return 0
	echo "installing docker.io, containerd and runc..."
	export DEBIAN_FRONTEND=noninteractive
	local pkgs=(docker.io containerd runc)
	apt-get install -y -qq "${pkgs[@]}" >"$WORK/apt.log" 2>&1 ||
		{ apt-get update -qq >>"$WORK/apt.log" 2>&1 &&
			apt-get install -y -qq "${pkgs[@]}" >>"$WORK/apt.log" 2>&1; } ||
		{ tail -3 "$WORK/apt.log"; return 1; }
}

containerd_up() {
	[ -S $CONTAINERD_SOCK ] && ctr --address $CONTAINERD_SOCK version >/dev/null 2>&1
}

docker_up() {
	docker info >/dev/null 2>&1
}

# start_daemon NAME CMD...: CMD in a session of its own, detached from the test's output
# (ctest waits for every holder of it), logging to $DOCKER_LOG_DIR/NAME.log.
start_daemon() {
	local name=$1
	shift
	mkdir -p $DOCKER_LOG_DIR
	echo "starting $name (log: $DOCKER_LOG_DIR/$name.log)"
	setsid "$@" </dev/null >>"$DOCKER_LOG_DIR/$name.log" 2>&1 &
}

docker_start() {
	if ! containerd_up; then
		start_daemon containerd containerd
		poll_until 30 containerd_up ||
			{ tail -5 $DOCKER_LOG_DIR/containerd.log; return 1; }
	fi
	if ! docker_up; then
		start_daemon dockerd dockerd --containerd=$CONTAINERD_SOCK
		poll_until 60 docker_up || { tail -5 $DOCKER_LOG_DIR/dockerd.log; return 1; }
	fi
}

# The path dockerd has for the runtime NAME ("" when it has none).
docker_runtime_path() {
	docker info --format "{{with index .Runtimes \"$1\"}}{{.Path}}{{end}}" 2>/dev/null
}

# runtime_registered NAME [FLAGS]: dockerd runs this build as NAME with FLAGS.
runtime_registered() {
	[ "$(docker info --format "{{with index .Runtimes \"$1\"}}{{.Path}} {{range .Args}}{{.}}{{end}}{{end}}" \
		2>/dev/null)" = "$RUNSCC_ABS ${2:-}" ]
}

# Registers this build's runsc-c with `runsc-c install` and has dockerd reload its
# configuration. A failure here is runsc-c's, not the machine's: the test fails.
docker_register_runtime() {
	RUNSCC_ABS=$(readlink -f "$(command -v "$RUNSCC")")
	runtime_registered $DOCKER_RUNTIME && runtime_registered $DOCKER_RUNTIME_OVERLAY_NONE --overlay=none &&
		return 0
	{ "$RUNSCC" install --runtime $DOCKER_RUNTIME &&
		"$RUNSCC" install --runtime $DOCKER_RUNTIME_OVERLAY_NONE -- --overlay=none; } \
		>"$WORK/install.out" 2>&1 || { cat "$WORK/install.out"; return 1; }
	dockerd_reload runtime_registered $DOCKER_RUNTIME_OVERLAY_NONE --overlay=none ||
		{ echo "dockerd does not list $DOCKER_RUNTIME_OVERLAY_NONE after SIGHUP"; return 1; }
}

# dockerd_reload CMD...: dockerd reads daemon.json again; CMD then succeeds (within 30 s).
dockerd_reload() {
	kill -HUP $(pidof dockerd) && poll_until 30 "$@"
}

# image_has_key IMAGE KEY: IMAGE exists and was imported from the source KEY names.
image_has_key() {
	[ "$(docker image inspect -f '{{index .Config.Labels "runscc.key"}}' "$1" 2>/dev/null)" = "$2" ]
}

# docker_import IMAGE KEY: the tar stream on stdin becomes IMAGE, labelled runscc.key=KEY.
docker_import() {
	docker import -c "LABEL runscc.key=$2" - "$1" >/dev/null
}

# The images are imported again only when their source changed.
docker_import_busybox() {
	local bb="$WORK/busybox-image" key
	build_busybox_rootfs "$bb"
	key=$(tar -C "$bb" --sort=name --mtime=@0 -c . | sha256sum | cut -c1-16)
	if ! image_has_key $BUSYBOX_IMAGE "$key"; then
		tar -C "$bb" -c . | docker_import $BUSYBOX_IMAGE "$key" || return 1
	fi
	rm -rf "$bb"
}

docker_import_debian() {
	local key
	debian_rootfs_cache
	key=$(stat -c %s-%Y "$DEBIAN_ROOTFS_TAR")
	if ! image_has_key $DEBIAN_IMAGE "$key"; then
		docker_import $DEBIAN_IMAGE "$key" <"$DEBIAN_ROOTFS_TAR" || return 1
	fi
}

docker_setup() {
	need_root
	docker_install || skip "docker.io, containerd and runc cannot be installed (see above)"
	docker_start || skip "containerd or dockerd does not start (logs in $DOCKER_LOG_DIR)"
	docker_register_runtime || { fail "runsc-c install: $DOCKER_RUNTIME not registered"; finish; exit 1; }
	docker_import_busybox && docker_import_debian ||
		{ fail "docker import of the test images"; finish; exit 1; }
}

# docker_name TAG: a container name that docker_cleanup will remove.
docker_name() {
	echo "$DOCKER_PREFIX-$1"
}

docker_cleanup() {
	command -v docker >/dev/null || return 0
	local ids
	ids=$(docker ps -aq --filter "name=$DOCKER_PREFIX-" 2>/dev/null)
	[ -n "$ids" ] && docker rm -f $ids >/dev/null 2>&1
	return 0
}
