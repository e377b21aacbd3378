# Background jobs, wait for each, their exit statuses. The jobs write to files of their own:
# the order of lines written by concurrent jobs is the scheduler's, natively too.
for i in 1 2 3; do
	(sleep 0.$i; echo "job $i" >/tmp/job$i; exit $i) &
	eval "pid$i=$!"
done
wait $pid1; echo "wait 1: $? $(cat /tmp/job1)"
wait $pid2; echo "wait 2: $? $(cat /tmp/job2)"
wait $pid3; echo "wait 3: $? $(cat /tmp/job3)"
sleep 10 &
victim=$!
kill $victim
# Whether the shell reports "Terminated" depends on whether it sees the death inside this
# wait or before it (a race natively too): only the status is compared.
wait $victim 2>/dev/null
echo "killed: $?"
(sleep 0.1; echo late) &
wait
echo "all done"
