#!/usr/bin/env bash
# Exec storm: fork+exec of /bin/true as fast as WORKERS processes can, with and
# without Vajra attached, in alternating rounds. Reports exec/s both ways, their
# ratio, the events Vajra captured against the ground truth, and its losses.
#
#   bench/exec-storm.sh              (after `make`; as root)
#   COUNT=20000 ROUNDS=3 WORKERS=2 bench/exec-storm.sh
set -euo pipefail
cd "$(dirname "$0")/.."

COUNT=${COUNT:-20000}
ROUNDS=${ROUNDS:-3}
WORKERS=${WORKERS:-2}
VAJRA=${VAJRA:-build/vajra}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

[ -x "$VAJRA" ] || { echo "exec-storm: $VAJRA is missing: run make first" >&2; exit 1; }
gcc -O2 -Wall -o "$work/exec_storm" bench/workloads/exec_storm.c

# Prints exec/s of one run of the workload.
storm() {
	"$work/exec_storm" "$COUNT" "$WORKERS" "$1" | sed -E 's/execs=([0-9]+) seconds=([0-9.]+)/\1 \2/' |
		awk '{ printf "%.0f\n", $1 / $2 }'
}

# Waits up to 60 s for a line matching $2 in file $1.
await_line() {
	for _ in $(seq 600); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "exec-storm: timed out waiting for '$2' in $1" >&2
	cat "$1" "$work/vajra.err" >&2 || true
	return 1
}

json_value() { # file, key -> last value of "key": N
	grep -o "\"$2\":[0-9]*" "$1" | tail -1 | cut -d: -f2
}

printf '%-6s %12s %12s %8s %10s %10s %6s\n' round bare_exec/s vajra_exec/s ratio captured expected lost
ratios=()
for round in $(seq "$ROUNDS"); do
	marker="storm-$$-$round"
	bare=$(storm "$marker-bare")

	fifo="$work/in.$round"
	out="$work/out.$round"
	mkfifo "$fifo"
	"$VAJRA" shell --json --events-max $((COUNT * 4)) --store-bytes 512M <"$fifo" >"$out" 2>"$work/vajra.err" &
	pid=$!
	exec 3>"$fifo"
	echo "SELECT 'ready' AS state;" >&3
	await_line "$out" '"state":"ready"'

	with=$(storm "$marker")

	# Drained when the count stops growing (the collector polls every 20 ms).
	last=-1
	for attempt in $(seq 50); do
		echo "SELECT count(*) AS captured_$attempt FROM bpf_process_events WHERE syscall = 'execve' AND cmdline = '/bin/true $marker';" >&3
		await_line "$out" "captured_$attempt"
		now=$(json_value "$out" "captured_$attempt")
		[ "$now" = "$last" ] && break
		last=$now
		sleep 0.2
	done
	echo "SELECT sum(value) AS lost FROM vajra_stats WHERE name LIKE 'lost%' OR name LIKE 'evicted%';" >&3
	await_line "$out" '"lost"'
	lost=$(json_value "$out" lost)
	exec 3>&-
	wait "$pid" || true
	rm -f "$fifo"

	ratio=$(awk -v a="$with" -v b="$bare" 'BEGIN { printf "%.3f", a / b }')
	ratios+=("$ratio")
	printf '%-6s %12s %12s %8s %10s %10s %6s\n' "$round" "$bare" "$with" "$ratio" "$last" "$COUNT" "${lost:-?}"
done
median=$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
echo "median ratio (Vajra attached / bare): $median over $ROUNDS rounds, $COUNT execs, $WORKERS workers, $(nproc) CPUs, kernel $(uname -r)"
