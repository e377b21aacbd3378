# Loops over seq 1000, arithmetic, while/read, case.
total=0
for i in $(seq 1000); do
	total=$((total + i))
done
echo "total=$total"
count=0
seq 1000 | while read n; do
	case $n in
	*00) echo "hundred $n" ;;
	esac
done
i=0
while [ $i -lt 500 ]; do i=$((i + 1)); done
echo "i=$i"
for w in a b c; do for v in 1 2; do printf '%s%s ' $w $v; done; done; echo
