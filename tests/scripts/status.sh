# Exit statuses: normal, signals, command not found. (The shell's own "Killed" report
# names the child's pid, which differs between runs: it goes to /dev/null.)
sh -c 'exit 42'; echo "exit: $?"
{ sh -c 'kill -KILL $$'; } 2>/dev/null; echo "kill: $?"
{ sh -c 'kill -SEGV $$'; } 2>/dev/null; echo "segv: $?"
{ sh -c 'kill -TERM $$'; } 2>/dev/null; echo "term: $?"
/nonexistent/command 2>/dev/null; echo "not found: $?"
sh -c 'exec /etc/passwd' 2>/dev/null; echo "not executable: $?"
