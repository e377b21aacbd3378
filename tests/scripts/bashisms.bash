# Bash features: arrays, [[ ]], arithmetic, pipefail, PIPESTATUS, string operations.
set -o pipefail
arr=(zero one two three)
echo "${#arr[@]} ${arr[2]} ${arr[@]:1:2}"
declare -A map=([b]=2 [a]=1)
for k in $(printf '%s\n' "${!map[@]}" | sort); do echo "$k=${map[$k]}"; done
[[ "abc" == a* ]] && echo "glob match"
[[ "x12" =~ ^x([0-9]+)$ ]] && echo "regex ${BASH_REMATCH[1]}"
(( n = 6 * 7 )); echo "n=$n"
s="hello world"; echo "${s//o/0} ${s^^} ${#s}"
true | false | true; echo "pipefail: $? ${PIPESTATUS[*]}"
printf -v v '%05d' 42; echo "$v"
mapfile -t lines < <(printf 'x\ny\n') 2>/dev/null || lines=(x y)
echo "${lines[1]}"
f() { local r=$(( $1 * 2 )); echo "$r"; }; echo "f=$(f 21)"
echo "$BASH_SUBSHELL $( echo $BASH_SUBSHELL )"
