# exec redirections on the shell's own fds.
exec 3>&1
exec 1>/dev/null
echo hidden
exec 1>&3 3>&-
echo visible
exec 4</etc/passwd
read first <&4
echo "first passwd line: $first"
exec 4<&-
exec 5<&0
echo "fd 5 dup of stdin: ok"
exec 5<&-
{ echo to stderr >&2; } 2>&1
ls /nonexistent 2>/dev/null || echo "ls failed quietly"
