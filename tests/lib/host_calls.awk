# Which syscalls can a handler let the host run (SYSCALL_CONTINUE or SYSCALL_REWRITE)?
# Reads the sentry's sources, table.c last; prints one syscall name per line, as the table
# names them. A function continues if its body returns one of the two, or calls a function
# that does (by name, or through an ops member assigned such a function); an over-estimate.
function body_calls(body, name) {
	return index(body, name "(") > 0
}
FNR == 1 { fn = "" }
# Function definitions: "SYSCALL(name)" or a type at column 0 followed by "name(".
/^SYSCALL\([a-z_0-9]+\)/ {
	fn = $0; sub(/^SYSCALL\(/, "sys_", fn); sub(/\).*/, "", fn); bodies[fn] = ""; next
}
/^[a-z][a-z_ 0-9*]* \**[a-z_0-9]+\(/ && !/;[ \t]*$/ {
	fn = $0; sub(/\(.*/, "", fn); sub(/.*[ *]/, "", fn); bodies[fn] = ""; next
}
/^}/ { fn = ""; next }
fn != "" {
	line = $0
	bodies[fn] = bodies[fn] "\n" line
	# Comparisons with the special values decide nothing.
	gsub(/(==|!=|<=|>=|<|>) *SYSCALL_[A-Z]+|SYSCALL_[A-Z]+ *(==|!=|<=|>=|<|>)/, "", line)
	if (line ~ /SYSCALL_(CONTINUE|REWRITE)/)
		direct[fn] = 1
}
# ops tables: ".member = function,"
/^[ \t]*\.[a-z_]+ = [a-z_0-9]+,/ {
	m = $1; sub(/^\./, "", m); f = $3; sub(/,.*/, "", f); member[f] = m
}
FILENAME ~ /table\.c$/ && /^[ \t]*(S|N)\(/ {
	line = $0; sub(/^[ \t]*/, "", line)
	kind = substr(line, 1, 1)
	split(substr(line, 3), parts, ",")
	gsub(/[ \t"]/, "", parts[2])
	if (kind == "S") { handler["sys_" parts[2]] = handler["sys_" parts[2]] " " parts[2] }
	else { handler["sys_native"] = handler["sys_native"] " " parts[2] }
}
FILENAME ~ /table\.c$/ && /^[ \t]*\[SYS_[a-z_0-9]+\] = \{ "/ {
	line = $0; sub(/^[^"]*"/, "", line)
	name = line; sub(/".*/, "", name)
	h = line; sub(/^[^,]*, */, "", h); sub(/,.*/, "", h)
	handler[h] = handler[h] " " name
}
END {
	for (f in direct) cont[f] = 1
	do {
		changed = 0
		for (g in bodies) {
			if (g in cont) continue
			for (f in cont) {
				if (body_calls(bodies[g], f) || ((f in member) && index(bodies[g], "->" member[f] "(") > 0)) {
					cont[g] = 1; changed = 1; break
				}
			}
		}
	} while (changed)
	for (h in handler)
		if (h in cont) {
			n = split(handler[h], names, " ")
			for (i = 1; i <= n; i++) print names[i]
		}
}
