#!/usr/bin/env bash
# What Vajra's JVM costs per 1,000 events once it has run for a while, as deployed: one
# `vajra shell` with the launcher's JVM options and the shipped store sizes (rows evicted
# as they go), FIM on W1's tree and an idle log source, fed RUNS consecutive runs of each
# workload (bench/workloads: W1 file_storm, W2 exec_storm, W3 socket_storm). compare.sh
# starts Vajra afresh each round and keeps every row, so its figures include the JIT's
# first compiles and the copying of a store that only grows; this shows what remains.
#
# CPU: the whole JVM from a cpuacct cgroup of its own (v1: every thread, exited ones
# included, in ns), its threads from their schedstat; read after each run once the JVM
# has gone idle and before any SQL (a statement makes the shell copy rows into SQLite).
# Events: records decoded during the run (vajra_stats). Steady = the median of the second
# half of the runs: the JIT's tiers are still climbing through the first (on W1, which runs
# first, the hasher's and the file path's methods reached C2 over its first four or five
# runs, 20-80 ms of C2 in each), and the figure is meant for an agent whose JIT is done.
#
#   bench/steady-cpu.sh                  (after `make`; as root)
#   RUNS=8 WORKLOADS="W1" bench/steady-cpu.sh
# Prints Markdown on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-8}
WORKLOADS=${WORKLOADS:-W1 W2 W3}
FILE_COUNT=${FILE_COUNT:-100000}
EXEC_COUNT=${EXEC_COUNT:-3000}
CONN_COUNT=${CONN_COUNT:-20000}
VAJRA=${VAJRA:-build/vajra}
TREE=${TREE:-/dev/shm/vajra-bench-steady}

. bench/lib.sh
require_root_and_vajra steady-cpu
[ -d /sys/fs/cgroup/cpuacct ] || { echo "steady-cpu: needs the cgroup v1 cpuacct hierarchy" >&2; exit 1; }
cg=/sys/fs/cgroup/cpuacct/vajra-bench-steady.$$
extra_cleanup() { rmdir "$cg" 2>/dev/null; }
bench_scratch "$TREE" "$TREE-logs"

for w in file_storm exec_storm socket_storm; do
	gcc -O2 -Wall -o "$work/$w" "bench/workloads/$w.c"
done
w1_setting
mkdir "$cg"

unset VAJRA_JAVA_OPTS # the launcher's
start_vajra --config "$work/vajra.json"
echo "$vajra_pid" >"$cg/cgroup.procs"

# Sets $decoded to the records decoded so far. Not called in $(...): the query's
# number must advance in this shell, or the next call finds the last answer.
qn=0
read_decoded() {
	qn=$((qn + 1))
	ask "SELECT coalesce((SELECT sum(value) FROM vajra_stats WHERE name = 'records_decoded'), 0) AS q$qn;" "\"q$qn\"" >/dev/null
	decoded=$(answer "q$qn")
}
jvm_us() { echo $(($(<"$cg/cpuacct.usage") / 1000)); }
# "name us" per thread name (threads of one name summed)
threads_us() {
	local t
	for t in /proc/"$vajra_pid"/task/*; do
		printf '%s %s\n' "$(tr ' ' '_' <"$t/comm")" "$(cut -d' ' -f1 "$t/schedstat")"
	done 2>/dev/null | awk '{ s[$1] += $2 } END { for (n in s) printf "%s %d\n", n, s[n] / 1000 }' | sort
}
# until the JVM used under 2 ms in 0.5 s (its idle rate is ~5 ms/s), at most 30 s
settle() {
	local prev now
	prev=$(jvm_us)
	for _ in $(seq 60); do
		sleep 0.5
		now=$(jvm_us)
		[ $((now - prev)) -lt 2000 ] && return 0
		prev=$now
	done
}
run() {
	case $1 in
	W1) "$work/file_storm" "$FILE_COUNT" "$TREE/w1" ;;
	W2) "$work/exec_storm" "$EXEC_COUNT" 2 "steady-$$" ;;
	W3) "$work/socket_storm" "$CONN_COUNT" ;;
	esac >/dev/null
}

echo "steady-cpu: $RUNS runs of each of $WORKLOADS; Vajra $(git rev-parse --short HEAD 2>/dev/null), kernel $(uname -r)" >&2
echo "| workload | run | events | whole JVM, ms per 1,000 events | Vajra's threads (vajra-*) | JIT (compiler threads) | GC (VM thread) | busiest threads, ms |"
echo "|---|---:|---:|---:|---:|---:|---:|---|"
for w in $WORKLOADS; do
	settle
	read_decoded
	d0=$decoded
	for r in $(seq "$RUNS"); do
		settle
		c0=$(jvm_us)
		threads_us >"$work/t0"
		run "$w"
		settle
		c1=$(jvm_us)
		threads_us >"$work/t1"
		read_decoded
		events=$((decoded - d0))
		d0=$decoded
		join "$work/t0" "$work/t1" | awk -v w="$w" -v r="$r" -v n="$events" -v all=$((c1 - c0)) '
			{ d = ($3 - $2) / 1000; t[$1] = d
			  if ($1 ~ /^vajra-/) own += d; else if ($1 ~ /Compiler/) jit += d; else if ($1 == "VM_Thread") gc += d }
			END {
				k = n / 1000
				top = ""; for (i = 0; i < 3; i++) { best = ""; for (x in t) if (best == "" || t[x] > t[best]) best = x
					if (best != "") { top = top (top ? ", " : "") sprintf("%s %.0f", best, t[best]); delete t[best] } }
				printf "| %s | %d | %d | %.2f | %.2f | %.2f | %.2f | %s |\n", w, r, n, all / 1000 / k, own / k, jit / k, gc / k, top
			}' | tee -a "$work/rows"
	done
done
echo
first_steady=$((RUNS / 2 + 1))
echo "Steady (median of runs $first_steady to $RUNS), ms per 1,000 events:"
echo
echo "| workload | whole JVM | Vajra's threads | JIT | GC |"
echo "|---|---:|---:|---:|---:|"
median() { sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else if (NR) print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
for w in $WORKLOADS; do
	line="| $w |"
	for col in 5 6 7 8; do
		m=$(awk -F'|' -v w=" $w " -v c="$col" '$2 == w && $3 + 0 >= f { print $c + 0 }' f="$first_steady" "$work/rows" | median)
		line+=" $(printf '%.2f' "${m:-0}") |"
	done
	echo "$line"
done
