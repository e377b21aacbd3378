# Here-documents: expanded, quoted, tab-stripped, fed to commands.
name=world
cat <<EOT
hello $name
$(echo substituted) and $((6 * 7))
EOT
cat <<'EOT'
literal $name $(not run)
EOT
cat <<-EOT
	tabs stripped
		one left
	EOT
wc -l <<EOT
$(seq 1 3000)
EOT
while read a b; do echo "$b-$a"; done <<EOT
1 one
2 two
EOT
