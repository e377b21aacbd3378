# xargs with four parallel workers (the output is sorted: the order is the scheduler's).
seq 1 200 | xargs -P4 -n 10 sh -c 'echo $(( $1 + $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 + ${10} ))' _ | sort -n
seq 1 20 | xargs -n 3 echo
echo a b c | xargs -n1 | sort -r
