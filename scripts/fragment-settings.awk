# Parses Kconfig fragments into one "file:line SYMBOL VALUE" record per setting
# ("n" for "# CONFIG_X is not set"). Anything that is neither a setting, a
# comment nor blank is printed as "ERROR file:line text" so callers can refuse it.
FNR == 1 { file = FILENAME; sub("^" top "/", "", file) }
/^[[:space:]]*$/ { next }
/^# CONFIG_[A-Za-z0-9_]+ is not set[[:space:]]*$/ { print file ":" FNR, $2, "n"; next }
/^#/ { next }
/^CONFIG_[A-Za-z0-9_]+=[^[:space:]].*$/ {
	eq = index($0, "=")
	print file ":" FNR, substr($0, 1, eq - 1), substr($0, eq + 1)
	next
}
{ print "ERROR", file ":" FNR, $0 }
