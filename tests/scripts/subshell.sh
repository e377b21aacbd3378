# Subshells: scoping, exit codes, nesting.
x=outer
(x=inner; echo "in: $x"; (exit 3)); echo "code: $?"
echo "out: $x"
( ( ( echo deep; exit 5 ) ); echo "nested: $?" )
(cd /etc && pwd); pwd
y=$( (echo a; echo b) | wc -l ); echo "lines: $y"
{ echo grouped; echo twice; } | sort
