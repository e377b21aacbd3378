# A five-stage pipeline and the exit status of the last stage.
seq 1 2000 | grep 7 | sort -r | head -n 50 | tr 0-9 a-j
seq 1 10 | grep -v 5 | sort -n | tail -n 3 | wc -l
echo "status: $?"
false | true
echo "false|true: $?"
true | false
echo "true|false: $?"
