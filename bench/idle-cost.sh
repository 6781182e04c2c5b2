#!/usr/bin/env bash
# What an idle Vajra costs the machine: CPU per second of each of its JVM's threads
# (from /proc/<pid>/task/*/schedstat, in ns), over IDLE seconds after SETTLE seconds,
# with FIM watching a tree and (LOGS=1, the default) one log source whose directory
# nobody writes to. Nothing else of ours runs meanwhile; other processes on the machine
# still make events (and wake-ups) of their own.
#
#   bench/idle-cost.sh                 (after `make`; as root)
#   LOGS=0 IDLE=30 bench/idle-cost.sh
# Prints a Markdown table on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."

IDLE=${IDLE:-15}
SETTLE=${SETTLE:-15}
LOGS=${LOGS:-1}
VAJRA=${VAJRA:-build/vajra}
TREE=${TREE:-/dev/shm/vajra-bench-idle}

. bench/lib.sh
require_root_and_vajra idle-cost
bench_scratch "$TREE" "$TREE-logs"

rm -rf "$TREE" "$TREE-logs"
mkdir -p "$TREE" "$TREE-logs"
if [ "$LOGS" = 1 ]; then
	printf '{"file_paths": {"idle": ["%s/%%%%"]}, "vajra": {"log_files": [{"path": "%s-logs/*.log", "category": "idle"}]}}\n' \
		"$TREE" "$TREE" >"$work/vajra.json"
else
	printf '{"file_paths": {"idle": ["%s/%%%%"]}}\n' "$TREE" >"$work/vajra.json"
fi

# CPU ns so far per thread name of process $1 (threads of one name summed).
threads_ns() {
	local t
	for t in /proc/"$1"/task/*; do
		printf '%s %s\n' "$(tr ' ' '_' <"$t/comm")" "$(cut -d' ' -f1 "$t/schedstat")"
	done 2>/dev/null | awk '{ s[$1] += $2 } END { for (n in s) print n, s[n] }' | sort
}

start_vajra --config "$work/vajra.json"
sleep "$SETTLE"
threads_ns "$vajra_pid" >"$work/t0"
sleep "$IDLE"
threads_ns "$vajra_pid" >"$work/t1"
echo "idle-cost: $IDLE s idle, $SETTLE s after start; FIM on; log source: $([ "$LOGS" = 1 ] && echo yes || echo no)" >&2
echo "| thread | CPU ms per second |"
echo "|---|---:|"
join "$work/t0" "$work/t1" | awk -v s="$IDLE" '
	{ d = ($3 - $2) / 1e6 / s; all += d; if (d >= 0.01) printf "| `%s` | %.2f |\n", $1, d }
	END { printf "| all | %.2f |\n", all }'
