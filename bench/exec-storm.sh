#!/usr/bin/env bash
# Exec storm: fork+exec of /bin/true as fast as WORKERS processes can, with and
# without Vajra attached, in alternating rounds. Reports exec/s both ways, their
# ratio, the exec events Vajra captured against the ground truth, its losses,
# all storm events (fork, exec, exit) per second, and Vajra's CPU time per
# 1,000 events: of the collector thread (poll, decode, store), and of the whole
# process over the storm and the drain queries (SQLite sync, JIT included).
#
#   bench/exec-storm.sh              (after `make`; as root)
#   COUNT=20000 ROUNDS=3 WORKERS=2 bench/exec-storm.sh
#   VAJRA_OPTS=--no-containers bench/exec-storm.sh
set -euo pipefail
cd "$(dirname "$0")/.."

COUNT=${COUNT:-20000}
ROUNDS=${ROUNDS:-3}
WORKERS=${WORKERS:-2}
VAJRA=${VAJRA:-build/vajra}
VAJRA_OPTS=${VAJRA_OPTS:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

[ -x "$VAJRA" ] || { echo "exec-storm: $VAJRA is missing: run make first" >&2; exit 1; }
. bench/lib.sh
gcc -O2 -Wall -o "$work/exec_storm" bench/workloads/exec_storm.c

# Prints "<exec/s> <seconds>" of one run of the workload.
storm() {
	"$work/exec_storm" "$COUNT" "$WORKERS" "$1" | sed -E 's/execs=([0-9]+) seconds=([0-9.]+)/\1 \2/' |
		awk '{ printf "%.0f %s\n", $1 / $2, $2 }'
}

row='%-6s %12s %12s %7s %9s %9s %5s %9s %14s %12s\n'
printf "$row" round bare_exec/s vajra_exec/s ratio captured expected lost events/s collector_ms/1k all_ms/1k
ratios=()
for round in $(seq "$ROUNDS"); do
	marker="storm-$$-$round"
	read -r bare _ < <(storm "$marker-bare")

	# shellcheck disable=SC2086 # options are words
	start_vajra --events-max $((COUNT * 4)) --store-bytes 512M $VAJRA_OPTS
	cpu_before=$(cpu_ms "$vajra_pid")
	collector_before=$(cpu_ms "$vajra_pid" vajra-collector)
	read -r with seconds < <(storm "$marker")

	# Drained when the count stops growing (the collector polls every 20 ms).
	last=-1
	for attempt in $(seq 50); do
		ask "SELECT count(*) AS captured_$attempt FROM bpf_process_events WHERE syscall = 'execve' AND cmdline = '/bin/true $marker';" "captured_$attempt"
		now=$(answer "captured_$attempt")
		[ "$now" = "$last" ] && break
		last=$now
		sleep 0.2
	done
	cpu=$(($(cpu_ms "$vajra_pid") - cpu_before))
	collector_cpu=$(($(cpu_ms "$vajra_pid" vajra-collector) - collector_before))
	# Every row of the storm: the workers' forks, each exec, each exit.
	ask "SELECT count(*) AS events FROM bpf_process_events WHERE cmdline LIKE '%$marker%';" '"events"'
	events=$(answer events)
	ask "SELECT sum(value) AS lost FROM vajra_stats WHERE name LIKE 'lost%' OR name LIKE 'evicted%';" '"lost"'
	lost=$(answer lost)
	stop_vajra

	ratio=$(awk -v a="$with" -v b="$bare" 'BEGIN { printf "%.3f", a / b }')
	ratios+=("$ratio")
	rate=$(awk -v e="$events" -v s="$seconds" 'BEGIN { printf "%.0f", e / s }')
	per_k=$(awk -v c="$cpu" -v e="$events" 'BEGIN { printf "%.2f", c * 1000 / e }')
	collector_per_k=$(awk -v c="$collector_cpu" -v e="$events" 'BEGIN { printf "%.2f", c * 1000 / e }')
	printf "$row" "$round" "$bare" "$with" "$ratio" "$last" "$COUNT" "${lost:-?}" "$rate" "$collector_per_k" "$per_k"
done
median=$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
echo "median ratio (Vajra attached / bare): $median over $ROUNDS rounds, $COUNT execs, $WORKERS workers, $(nproc) CPUs, kernel $(uname -r)"
