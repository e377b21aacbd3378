# trap on INT, TERM and EXIT, triggered by kill on the shell itself.
trap 'echo caught INT' INT
trap 'echo caught TERM' TERM
trap 'echo exiting' EXIT
kill -INT $$
echo after INT
kill -TERM $$
echo after TERM
trap - INT
sh -c 'kill -TERM $$; echo not reached'
echo "child killed by TERM: $?"
sh -c 'trap "echo child trapped; exit 9" INT; kill -INT $$; echo no'
echo "child trap exit: $?"
