# Shared pieces of the bench scripts: a Vajra shell fed through a FIFO, waiting on
# its JSON output, and CPU accounting. Source it; needs $work (a scratch directory).

# Stops unless run as root with $VAJRA built; $1 names the calling script.
require_root_and_vajra() {
	[ "$(id -u)" = 0 ] || { echo "$1: run as root (eBPF)" >&2; exit 1; }
	[ -x "$VAJRA" ] || { echo "$1: $VAJRA is missing: run make first" >&2; exit 1; }
}

# Sets $work (a scratch directory) and an exit trap that stops the Vajra shell started
# with start_vajra (if any), then calls the script's extra_cleanup (if it defines one) and
# removes $work and the paths given.
bench_scratch() {
	work=$(mktemp -d)
	vajra_pid=""
	scratch_paths=("$@")
	trap bench_cleanup EXIT
	trap 'exit 130' INT TERM
	audit_fast_path_on
}
bench_cleanup() {
	set +e
	[ -n "$vajra_pid" ] && kill -0 "$vajra_pid" 2>/dev/null && { exec 3>&-; wait "$vajra_pid"; }
	declare -F extra_cleanup >/dev/null && extra_cleanup
	audit_fast_path_off
	rm -rf "$work" "${scratch_paths[@]}"
}

# Audit's slow syscall path. Once audit has been enabled in this boot, every task the
# kernel creates afterwards does audit's per-syscall work, audit off again or not, unless
# a task rule says never: the kernel consults the task rules for each new task
# (audit_alloc). So with audit off and no rules at all, `-a never,task` puts every process
# started from here back on the fast path, as on a machine where audit never ran; without
# that, a bench run after an auditd run measures everything on the slow path. Rules
# someone else set, or audit on, are left alone. Sets $audit_fast_path: 1, the rule is
# ours (audit_fast_path_off takes it out again); 2, it was there already (a nested bench
# finds its caller's); 0, processes may be on the slow path.
audit_fast_path=0
audit_fast_path_on() {
	command -v auditctl >/dev/null || return 0
	auditctl -s 2>/dev/null | awk '$1 == "enabled" && $2 == 0 { off = 1 } END { exit !off }' || return 0
	case $(auditctl -l 2>/dev/null) in
	"No rules") auditctl -a never,task >/dev/null 2>&1 && audit_fast_path=1 ;;
	"-a never,task") audit_fast_path=2 ;;
	esac
	return 0
}
audit_fast_path_off() {
	[ "$audit_fast_path" = 1 ] && auditctl -d never,task >/dev/null 2>&1
	audit_fast_path=0
	return 0
}

# The setting of the benches that storm W1 (compare.sh's `vajra` as it runs W1): $TREE/w1
# in a FIM-watched tree, holding 64 files already (every cycle is an update, not a create),
# and an idle log source in $TREE-logs. Writes $work/vajra.json; needs $work/file_storm.
w1_setting() {
	rm -rf "$TREE" "$TREE-logs"
	mkdir -p "$TREE/w1" "$TREE-logs"
	"$work/file_storm" 64 "$TREE/w1" >/dev/null
	printf '{"file_paths": {"bench": ["%s/%%%%"]}, "vajra": {"log_files": [{"path": "%s-logs/*.log", "category": "bench"}]}}\n' \
		"$TREE" "$TREE" >"$work/vajra.json"
}

# Starts `vajra shell --json` with extra options; sets $vajra_pid, $vajra_out, fd 3.
start_vajra() {
	local fifo="$work/in.$RANDOM"
	vajra_out="$work/out.$RANDOM"
	mkfifo "$fifo"
	"$VAJRA" shell --json "$@" <"$fifo" >"$vajra_out" 2>"$work/vajra.err" &
	vajra_pid=$!
	exec 3>"$fifo"
	rm -f "$fifo"
	ask "SELECT 'ready' AS state;" '"state":"ready"'
}

stop_vajra() {
	exec 3>&-
	wait "$vajra_pid" || true
}

# Sends one statement and waits up to 60 s for a line matching $2 in the output.
ask() {
	echo "$1" >&3
	for _ in $(seq 600); do
		grep -q "$2" "$vajra_out" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "bench: timed out waiting for '$2'" >&2
	cat "$vajra_out" "$work/vajra.err" >&2 || true
	return 1
}

# The last value of "key":N in the output.
answer() {
	grep -o "\"$1\":[0-9]*" "$vajra_out" | tail -1 | cut -d: -f2
}

# CPU time (ms) used so far by process $1 (all threads), or by its thread named $2.
cpu_ms() {
	local stat="/proc/$1/stat"
	if [ -n "${2:-}" ]; then
		stat=$(grep -l "^$2\$" /proc/"$1"/task/*/comm | head -1 | sed 's/comm$/stat/')
	fi
	# Fields after the ")" that closes comm: utime and stime are the 12th and 13th.
	sed 's/.*) //' "$stat" | awk -v hz="$(getconf CLK_TCK)" '{ printf "%.0f\n", ($12 + $13) * 1000 / hz }'
}

rss_kib() {
	awk '/^VmRSS/ { print $2 }' "/proc/$1/status"
}

# JVM options for a store of $1 MiB: the launcher's own (the Makefile's JVM_DEFAULTS: serial
# GC, a fixed young generation where a full store's rows die young) with a heap twice the
# store, for the benches that size their stores to keep every row.
store_java_opts() {
	local heap=$(($1 * 2 + 256))
	[ "$heap" -ge 384 ] || heap=384
	echo "-XX:+UseSerialGC -Xms128m -Xmx${heap}m -Xmn96m -XX:SurvivorRatio=3 -XX:TargetSurvivorRatio=90 -XX:-UsePerfData"
}
