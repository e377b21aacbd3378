# Command substitution, nested and with backquotes.
a=$(echo one $(echo two $(echo three)))
echo "$a"
b=`echo back quoted`
echo "$b"
n=$(seq 1 100 | wc -l)
echo "count=$n"
echo "sum=$(( $(seq 1 100 | tr '\n' '+')0 ))"
empty=$(true); echo "empty=[$empty]"
echo "status of failing subst: $(false; echo $?)"
