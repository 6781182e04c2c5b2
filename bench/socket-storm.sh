#!/usr/bin/env bash
# Socket storm: TCP connect/accept/close on loopback, with and without Vajra attached,
# in alternating rounds. Reports connections/s both ways and their ratio, the connect
# and accept rows Vajra captured against the ground truth, and its losses.
#
#   bench/socket-storm.sh            (after `make`; as root)
#   COUNT=20000 ROUNDS=3 bench/socket-storm.sh
set -euo pipefail
cd "$(dirname "$0")/.."

COUNT=${COUNT:-20000}
ROUNDS=${ROUNDS:-3}
VAJRA=${VAJRA:-build/vajra}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

[ -x "$VAJRA" ] || { echo "socket-storm: $VAJRA is missing: run make first" >&2; exit 1; }
. bench/lib.sh
gcc -O2 -Wall -o "$work/socket_storm" bench/workloads/socket_storm.c

# Prints "<connections/s> <seconds>".
storm() {
	"$work/socket_storm" "$COUNT" | sed -E 's/connections=([0-9]+) seconds=([0-9.]+)/\1 \2/' |
		awk '{ printf "%.0f %s\n", $1 / $2, $2 }'
}

row='%-6s %12s %12s %7s %10s %10s %10s %5s\n'
printf "$row" round bare_conn/s vajra_conn/s ratio connects accepts expected lost
ratios=()
for round in $(seq "$ROUNDS"); do
	read -r bare _ < <(storm)
	start_vajra --events-max $((COUNT * 6)) --store-bytes 512M
	since=$(date +%s)
	read -r with _ < <(storm)
	last=-1
	for attempt in $(seq 50); do
		ask "SELECT count(*) AS connects_$attempt FROM bpf_socket_events WHERE comm = 'socket_storm' AND syscall = 'connect' AND status = 'succeeded' AND time >= $since;" "connects_$attempt"
		now=$(answer "connects_$attempt")
		[ "$now" = "$last" ] && break
		last=$now
		sleep 0.2
	done
	ask "SELECT count(*) AS accepts FROM bpf_socket_events WHERE comm = 'socket_storm' AND action = 'accept' AND status = 'succeeded' AND time >= $since;" '"accepts"'
	accepts=$(answer accepts)
	ask "SELECT sum(value) AS lost FROM vajra_stats WHERE name LIKE 'lost%' OR name LIKE 'evicted%';" '"lost"'
	lost=$(answer lost)
	stop_vajra
	ratio=$(awk -v a="$with" -v b="$bare" 'BEGIN { printf "%.3f", a / b }')
	ratios+=("$ratio")
	printf "$row" "$round" "$bare" "$with" "$ratio" "$last" "$accepts" "$COUNT" "${lost:-?}"
done
median=$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
echo "median ratio (Vajra attached / bare): $median over $ROUNDS rounds, $COUNT connections, $(nproc) CPUs, kernel $(uname -r)"
