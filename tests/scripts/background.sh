# Background jobs, wait for each, their exit statuses.
for i in 1 2 3; do
	(sleep 0.$i; echo "job $i"; exit $i) &
	eval "pid$i=$!"
done
wait $pid1; echo "wait 1: $?"
wait $pid2; echo "wait 2: $?"
wait $pid3; echo "wait 3: $?"
sleep 10 &
victim=$!
kill $victim
wait $victim
echo "killed: $?"
(sleep 0.1; echo late) &
wait
echo "all done"
