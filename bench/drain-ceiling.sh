#!/usr/bin/env bash
# The consumer's own ceiling: how fast Vajra drains a full kernel ring into its store, with
# no producer competing for the CPUs. One `vajra shell` is started with FIM on a tmpfs tree
# and a large ring, then each round:
#   1. the JVM is stopped (SIGSTOP): nothing consumes;
#   2. WORKERS file_storm processes do COUNT open-write-close cycles in the watched tree
#      (one kernel file record and one bpf_file_events UPDATED row each), filling the ring;
#      with EXECS=N, 2 exec_storm processes also fork+exec /bin/true N times in all (a
#      fork, an exec and an exit record, and bpf_process_events rows, each);
#   3. the JVM is continued (SIGCONT) and timed until its collector thread goes idle:
#      "drained" is the end of the collector's last busy 10 ms (>= 25 % on a CPU), from its
#      CPU time in /proc/<pid>/task/<tid>/schedstat (ns). No SQL meanwhile: the shell copies
#      rows into SQLite before each statement. Counters are read after.
# The first round is a warm-up (WARMUP cycles; the JIT compiles the drain path), not reported.
#
# Reported per round: records decoded/s and rows appended/s over the drain, losses, and the
# CPU per 1,000 records of each kind of thread over the drain and the hashes after it
# (collector, hasher, GC = VM Thread + GC threads, JIT = compiler threads, other).
#
# Store: STORE=default keeps the shipped store sizes (--events-max 50000, --store-bytes 64M,
# the launcher's JVM options): a full store evicting as it goes, as a deployment runs.
# STORE=all sizes it to hold every row of the run (and the heap to match), as compare.sh does.
#
#   bench/drain-ceiling.sh                         (after `make`; as root)
#   COUNT=2000000 RING=1G ROUNDS=5 bench/drain-ceiling.sh
#   STORE=all bench/drain-ceiling.sh
#   EXECS=50000 bench/drain-ceiling.sh             (file and process records mixed)
#   VAJRA_OPTS=--hash-max-bytes=0 bench/drain-ceiling.sh
#   VAJRA_JAVA_OPTS="$(sed -n 's/^JVM_DEFAULTS := //p' Makefile) -XX:StartFlightRecording=filename=/tmp/d.jfr" \
#     bench/drain-ceiling.sh                       (a profile: jfr print --events jdk.ExecutionSample /tmp/d.jfr)
# Prints a Markdown table on stdout, progress on stderr.
set -euo pipefail
cd "$(dirname "$0")/.."

COUNT=${COUNT:-1000000}
WORKERS=${WORKERS:-2}
RING=${RING:-512M}
ROUNDS=${ROUNDS:-3}
WARMUP=${WARMUP:-300000}
EXECS=${EXECS:-0}
STORE=${STORE:-default}
VAJRA=${VAJRA:-build/vajra}
VAJRA_OPTS=${VAJRA_OPTS:-}
TREE=${TREE:-/dev/shm/vajra-bench-drain}

. bench/lib.sh
require_root_and_vajra drain-ceiling
work=$(mktemp -d)
vajra_pid=""
cleanup() {
	set +e
	if [ -n "$vajra_pid" ] && kill -0 "$vajra_pid" 2>/dev/null; then
		kill -CONT "$vajra_pid"
		exec 3>&-
		wait "$vajra_pid"
	fi
	rm -rf "$work" "$TREE"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
say() { printf '%s %s\n' "$(date +%T)" "$*" >&2; }
# Sleeps without a fork (a read that times out on a FIFO nobody writes).
mkfifo "$work/nap"
exec 4<>"$work/nap"
nap() { read -rt "$1" -u 4 || true; }

gcc -O2 -Wall -o "$work/file_storm" bench/workloads/file_storm.c
gcc -O2 -Wall -o "$work/exec_storm" bench/workloads/exec_storm.c
rm -rf "$TREE"
# The files exist before Vajra starts: every cycle is an update.
for i in $(seq 0 $((WORKERS - 1))); do mkdir -p "$TREE/d$i" && "$work/file_storm" 64 "$TREE/d$i" >/dev/null; done
printf '{"file_paths": {"bench": ["%s/%%%%"]}}\n' "$TREE" >"$work/fim.json"

store_opts=()
if [ "$STORE" = all ]; then
	rows=$((WARMUP + ROUNDS * COUNT + 20000))
	mib=$(((rows * 1024 + (1 << 20) - 1) >> 20))
	store_opts=(--events-max "$rows" --store-bytes "${mib}M")
	[ -n "${VAJRA_JAVA_OPTS+set}" ] || VAJRA_JAVA_OPTS=$(store_java_opts "$mib") && export VAJRA_JAVA_OPTS
fi

# shellcheck disable=SC2086 # options are words
start_vajra --config "$work/fim.json" --ring-size "$RING" "${store_opts[@]}" $VAJRA_OPTS
grep -q 'FIM: watching' "$work/vajra.err" ||
	{ echo "drain-ceiling: Vajra did not report its FIM watch:" >&2; cat "$work/vajra.err" >&2; exit 1; }

# One number from Vajra's stats (NULL reads as 0) into $value; each query has a unique
# alias (not called in $(...), so the alias counter lives on).
qn=0
stat_sum() { # WHERE clause
	qn=$((qn + 1))
	ask "SELECT coalesce((SELECT sum(value) FROM vajra_stats WHERE $1), 0) AS q$qn;" "\"q$qn\"" >/dev/null
	value=$(answer "q$qn")
}
COUNTERS="decoded sent_file appended process_rows evicted ring_full lost_other hash_requests hash_done hash_coalesced"
counter() {
	case $1 in
	decoded) stat_sum "name = 'records_decoded'" ;;
	sent_file) stat_sum "name = 'sent_file'" ;;
	appended) stat_sum "family = 'file' AND source = 'store' AND name = 'appended'" ;;
	process_rows) stat_sum "family = 'process' AND source = 'store' AND name = 'appended'" ;;
	evicted) stat_sum "family = 'file' AND name IN ('evicted_capacity', 'evicted_bytes', 'expired')" ;;
	ring_full) stat_sum "name = 'lost_ring_full'" ;;
	lost_other) stat_sum "(name LIKE 'lost%' AND name != 'lost_ring_full') OR name IN ('dropped_oversize', 'hash_queue_full')" ;;
	*) stat_sum "name = '$1'" ;;
	esac
}

# "tid comm runtime_ns runqueue_wait_ns" for every thread of the JVM (comm with spaces as _).
threads_ns() {
	local t comm ns wait _
	for t in /proc/"$vajra_pid"/task/*; do
		comm=$(<"$t/comm") || continue
		read -r ns wait _ <"$t/schedstat" || continue
		echo "${t##*/} ${comm// /_} $ns $wait"
	done
}
tid_of() { threads_ns | awk -v n="$1" '$2 == n { print $1; exit }'; }
# Sums a threads_ns difference (before, after) into thread kinds, "kind ms" lines.
by_kind() {
	awk 'NR == FNR { a[$1] = $3; w[$1] = $4; next }
		$2 == "vajra-collector" { s["collector_wait"] += $4 - w[$1] }
		{ d = $3 - a[$1]; k = $2
		  if (k == "vajra-collector") k = "collector"
		  else if (k == "vajra-hasher") k = "hasher"
		  else if (k == "VM_Thread" || k ~ /^GC_Thread/ || k ~ /^VM_Periodic/) k = "gc"
		  else if (k ~ /CompilerThre/) k = "jit"
		  else k = "other"
		  s[k] += d }
		END { for (k in s) printf "%s %.1f\n", k, s[k] / 1e6 }' "$1" "$2"
}

# One stop-fill-continue-drain cycle of $1 records; sets the round's figures.
round() {
	local count=$1 per i pids=() t0 tend ns k v
	declare -gA before=() after=() kind=()
	per=$((count / WORKERS))
	for k in $COUNTERS; do counter "$k" && before[$k]=$value; done
	# Let the JIT finish what these queries gave it, so the drain's figures are the drain's.
	nap 1
	kill -STOP "$vajra_pid"
	for i in $(seq 0 $((WORKERS - 1))); do
		"$work/file_storm" "$per" "$TREE/d$i" >"$work/storm.$i" &
		pids+=($!)
	done
	if [ "$EXECS" -gt 0 ] && [ "$count" = "$COUNT" ]; then
		"$work/exec_storm" "$EXECS" 2 drain-ceiling /bin/true >/dev/null &
		pids+=($!)
	fi
	wait "${pids[@]}"
	fill_ops=$(cat "$work"/storm.* | sed -E 's/.*ops=([0-9]+) seconds=([0-9.]+).*/\1 \2/' |
		awk '{ ops += $1; if ($2 > s) s = $2 } END { printf "%.0f", ops / s }')
	threads_ns >"$work/t0"
	local coll=/proc/$vajra_pid/task/$collector_tid/schedstat
	read -r ns _ <"$coll"
	local last_ns=$ns
	t0=${EPOCHREALTIME/./} # microseconds
	tend=$t0
	kill -CONT "$vajra_pid"
	# Idle: the collector used < 10 % of a CPU over the last 300 ms. Not "no CPU at all": it
	# wakes every 20 ms to poll, and on a shared machine others' events keep coming.
	# No forks in this loop: it shares the CPUs with what it measures.
	local mark_ns=$last_ns mark_t=$t0 now times=("$t0") cpus=("$last_ns")
	while :; do
		nap 0.01
		read -r ns _ <"$coll"
		now=${EPOCHREALTIME/./}
		times+=("$now") cpus+=("$ns")
		if [ $((now - mark_t)) -ge 300000 ]; then
			[ $(((ns - mark_ns) / 100)) -lt $((now - mark_t)) ] && break
			mark_ns=$ns mark_t=$now
		fi
	done
	# Drained at the end of the last sample interval in which the collector ran >= 25 % of
	# the time (ns of CPU vs us of wall time).
	for ((i = 1; i < ${#cpus[@]}; i++)); do
		[ $(((cpus[i] - cpus[i - 1]) * 4)) -ge $(((times[i] - times[i - 1]) * 1000)) ] && tend=${times[i]}
	done
	drain_s=$(awk -v a="$tend" -v b="$t0" 'BEGIN { printf "%.3f", (a - b) / 1e6 }')
	threads_ns >"$work/t1"
	# The hasher finishes after the drain (each request waits 20 ms for more writes): its
	# CPU is counted until it too is idle.
	nap 0.5
	threads_ns >"$work/t2"
	while read -r k v; do kind[$k]=$v; done < <(by_kind "$work/t0" "$work/t2")
	while read -r k v; do kind[drain_$k]=$v; done < <(by_kind "$work/t0" "$work/t1")
	for k in $COUNTERS; do counter "$k" && after[$k]=$((value - before[$k])); done
}

row() { # label
	awk -v label="$1" -v n="$COUNT" -v fill="$fill_ops" -v d="$drain_s" \
		-v dec="${after[decoded]}" -v sent="${after[sent_file]}" -v rows="${after[appended]}" -v prows="${after[process_rows]}" \
		-v ev="${after[evicted]}" -v rf="${after[ring_full]}" -v lo="${after[lost_other]}" \
		-v hr="${after[hash_requests]}" -v hd="${after[hash_done]}" -v hc="${after[hash_coalesced]}" \
		-v c="${kind[collector]:-0}" -v h="${kind[hasher]:-0}" -v g="${kind[gc]:-0}" -v j="${kind[jit]:-0}" \
		-v o="${kind[other]:-0}" -v dc="${kind[drain_collector]:-0}" -v dg="${kind[drain_gc]:-0}" \
		-v dw="${kind[drain_collector_wait]:-0}" '
		function th(x,  s, o) { s = sprintf("%.0f", x); o = ""
			while (length(s) > 3) { o = "," substr(s, length(s) - 2) o; s = substr(s, 1, length(s) - 3) }
			return s o }
		function k(ms) { return dec ? sprintf("%.3f", ms * 1000 / dec) : "-" }
		BEGIN {
		printf "| %s | %s | %s | %s | %.3f s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s/%s/%s | %.0f %% | %.0f ms | %s |\n",
			label, th(sent), th(fill), th(dec), d, th(dec / d), th(rows / d) (prows ? " + " th(prows / d) " process" : ""), "ring full " rf ", other " lo ", evicted " ev,
			k(c), k(h), k(c + h), k(g), k(j), k(o), th(hr), th(hd), th(hc), 100 * dc / 1000 / d, dw,
			th(dec / ((dc + dg) / 1000)) }'
}

say "drain-ceiling: COUNT=$COUNT WORKERS=$WORKERS RING=$RING ROUNDS=$ROUNDS WARMUP=$WARMUP STORE=$STORE VAJRA_OPTS='$VAJRA_OPTS' VAJRA_JAVA_OPTS='${VAJRA_JAVA_OPTS-(launcher default)}'"
collector_tid=$(tid_of vajra-collector)
[ -n "$collector_tid" ] || { echo "drain-ceiling: no vajra-collector thread" >&2; exit 1; }
round "$WARMUP"
say "warm-up: $WARMUP records, drained in $drain_s s"
echo "| round | kernel records sent | fill ops/s (JVM stopped) | records decoded | drained in | records/s | rows/s | lost, by cause | collector ms/1k | hasher ms/1k | collector+hasher ms/1k | GC ms/1k | JIT ms/1k | other ms/1k | hash requests/done/coalesced | collector busy | collector waited for a CPU | records/s on CPU (collector + GC) |"
echo "|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for r in $(seq "$ROUNDS"); do
	round "$COUNT"
	row "$r"
	say "round $r: $(row "$r")"
done
rss=$(($(rss_kib "$vajra_pid") / 1024))
echo
echo "$WORKERS × $((COUNT / WORKERS)) cycles per round, ring $RING, store $STORE (${store_opts[*]:-shipped defaults}), JVM ${VAJRA_JAVA_OPTS-(launcher default)}${VAJRA_OPTS:+, $VAJRA_OPTS}; $(nproc) CPUs, kernel $(uname -r); RSS at the end ${rss} MiB (the ring's pages included)."
echo "CPU per 1,000 records decoded, from each thread's schedstat, from SIGCONT until the hasher is idle too (drain + 0.5 s); collector busy = its CPU / drain time;"
echo "waited = the collector's run-queue wait during the drain (other work on the CPUs); on CPU = records / (collector + GC CPU during the drain): the ceiling when the collector has a CPU to itself (GC stops it)."
stop_vajra
vajra_pid=""
