#!/bin/bash
# Dynamic Debian programs (bookworm minbase, built with debootstrap and cached) give the same
# stdout, stderr and exit status in the sandbox as natively, on both platforms. ps (procps)
# is checked for its structure: natively it would list the host's processes. Needs root.
. "$(dirname "$0")/../lib/common.sh"
. "$SRC_DIR/tests/lib/debian_rootfs.sh"
need_root

ROOT="$WORK/debian"
debian_rootfs "$ROOT"
make_dev_nodes "$ROOT"
mkdir -p "$ROOT/data/tree/sub"
seq 1 3000 >"$ROOT/data/numbers"
printf 'gamma 3\nalpha 1\nbeta 2\nalpha 9\n' >"$ROOT/data/words"
printf 'root here\nnobody\n' >"$ROOT/data/tree/a.conf"
printf 'more root\n' >"$ROOT/data/tree/sub/b.conf"
touch -d '2021-03-04 05:06:07' "$ROOT/data/tree/a.conf" "$ROOT/data/words"

compare ls "$ROOT" /bin/ls -la /data /data/tree /etc/default
compare ls-color "$ROOT" /bin/ls --color=always -F /bin/bash /data
compare cat "$ROOT" /bin/cat /etc/os-release /data/words
compare grep-r "$ROOT" /bin/grep -rn root /data/tree /etc/default
compare grep-miss "$ROOT" /bin/grep -r nothing-matches /data
compare sed "$ROOT" /bin/sed -e 's/a/A/g' -e '/beta/d' /data/words
compare awk "$ROOT" /usr/bin/awk '{ s += $2; n[$1]++ } END { print s; for (k in n) print k, n[k] | "sort" }' /data/words
compare sort "$ROOT" /usr/bin/sort -k2,2nr /data/words
compare sort-big "$ROOT" /usr/bin/sort -n -r /data/numbers
compare find-exec "$ROOT" /usr/bin/find /data/tree -name '*.conf' -exec /bin/wc -l {} ';'
compare find-plus "$ROOT" /usr/bin/find /etc/default -type f -exec /usr/bin/sha256sum {} +
compare xargs "$ROOT" /bin/sh -c 'seq 1 40 | xargs -n 7 echo'
compare xargs-P "$ROOT" /bin/sh -c 'seq 1 30 | xargs -P4 -n 5 sh -c "echo \$((\$1 * \$5))" _ | sort -n'
compare sha256sum "$ROOT" /usr/bin/sha256sum /data/numbers /etc/os-release
compare date "$ROOT" /bin/date -u -d @1700000000 '+%Y-%m-%d %H:%M:%S %A'
compare env "$ROOT" /usr/bin/env
compare env-i "$ROOT" /usr/bin/env -i A=1 /usr/bin/env
compare bash-c "$ROOT" /bin/bash -c 'a=$(seq 1 5 | paste -sd+); echo $((a)); for f in /data/tree/*; do echo "${f##*/}"; done; exit 3'
compare dash-c "$ROOT" /bin/dash -c 'echo $(( 7 * 6 )); ls /data | wc -l'
compare id "$ROOT" /usr/bin/id
compare uname "$ROOT" /bin/uname -s -n -m -o
# Scheduling tools (util-linux, coreutils, procps): the sentry's record of nice values,
# policies and I/O priorities, and the host's affinity.
compare sched-tools "$ROOT" /bin/sh -c 'nice -n 5 sh -c "nice; renice -n 2 -p \$\$; nice"
	chrt -r 7 chrt -p 1; chrt -b 0 nice -n -2 ps -o ni=,pri=,cls=,comm=
	ionice -c 3 ionice; taskset -c 0 taskset -cp 1 | sed "s/.*: //"'
# Account tools (shadow, util-linux): a group and a user made, used and removed. They
# probe for the audit netlink socket, which the sandbox does not offer. The native side
# works on a copy of the root.
cp -a "$ROOT" "$WORK/debian-accounts"
NATIVE_ROOT="$WORK/debian-accounts" compare accounts "$ROOT" /bin/sh -c '
	groupadd -g 1500 grp && useradd -m -u 1500 -g grp -s /bin/bash alice && id alice
	tail -1 /etc/passwd && ls -A /home/alice && stat -c "%U %G %a" /home/alice
	echo alice:pw | chpasswd && grep -c "^alice:\$" /etc/shadow
	su alice -c "id; echo \$HOME; touch ~/mine; stat -c %U ~/mine"; runuser -u alice -- id -un
	usermod -aG grp root && id root; userdel -r alice 2>/dev/null; id alice; echo $?'
rm -rf "$WORK/debian-accounts"
compare stat "$ROOT" /usr/bin/stat -c '%n %s %a %U %G %F %Y' /data/words /data/tree /bin/bash

# ps from procps: the sandbox's own processes, structurally.
for platform in $PLATFORMS; do
	out="$WORK/ps.$platform"
	mkdir -p "$out"
	run_sandbox "$out" "$platform" "$ROOT" /bin/bash -c \
		'sleep 5 & sleep 5 &
		# Until both children have exec(2)ed (read and the redirections fork nothing).
		until [ "${a:-} ${b:-}" = "sleep sleep" ]; do read -r a </proc/2/comm; read -r b </proc/3/comm; done
		ps -eo pid=,ppid=,comm= >/tmp/ps; sort -n /tmp/ps; kill %1 %2'
	expect=$(printf '%s\n' "1 0 bash" "2 1 sleep" "3 1 sleep" "4 1 ps")
	got=$(awk '{print $1, $2, $3}' "$out/stdout")
	if [ "$got" = "$expect" ] && [ "$(cat "$out/status")" = 0 ]; then
		pass
	else
		fail "ps [$platform]: got $(printf '%q' "$got"), status $(cat "$out/status"), stderr $(head -3 "$out/stderr")"
	fi
done
finish
