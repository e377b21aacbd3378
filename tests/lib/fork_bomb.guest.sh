# A fork bomb for a sandbox with a pids limit (test_pids_limit, test_docker): the timer is
# forked before the bomb (while the bomb runs the shell could not fork it, and ash gives up on
# a script whose fork fails); afterwards every process is killed and the shell must still fork.
sleep 3 & timer=$!
( bomb() { bomb | bomb & }; bomb ) 2>/dev/null
wait $timer
kill -9 -1 2>/dev/null
# SIGKILL takes effect asynchronously: wait (at most 60 s) for the last one to go.
i=0
while kill -0 -1 2>/dev/null && [ $i -lt 1200 ]; do sleep 0.05; i=$((i + 1)); done
if kill -0 -1 2>/dev/null; then echo "others alive"; else echo "no others left"; fi
echo "still forks: $(echo works)"
exit 7
