#!/usr/bin/env bash
# File storm: open(O_WRONLY|O_CREAT|O_TRUNC) + write 64 bytes + close, cycling over 64
# files on tmpfs, in alternating rounds of three configurations:
#   bare       nothing attached, storm in the watched tree
#   watched    Vajra attached with FIM on /dev/shm/vajra-bench-watched/%%, storm in it
#   unwatched  Vajra attached (same config), storm in /dev/shm/vajra-bench-unwatched
# Vajra is started afresh for each attached configuration of each round, as in the
# other storms. Reports ops/s of each, the ratios to bare (median of per-round
# ratios), the UPDATED rows captured for the workload's pid against the ground truth
# (one per open-write-close; "other" counts that pid's rows of any other action, 0
# expected since the files exist before Vajra starts), losses (ring, in-flight and
# untracked-write counters, file-store evictions), Vajra's CPU per 1,000 rows (the
# collector thread; the whole process, hashing and drain queries included) and RSS
# after the watched storm; for the unwatched storm, the file records that reached
# user space (kernel sent_file, collector file_records: ~0 expected) and the
# collector's CPU over it. Hashing is on with the default --hash-max-bytes (64M)
# unless VAJRA_OPTS says otherwise; the file store is sized (--events-max,
# --store-bytes) so that it never evicts a round's rows.
#
#   bench/file-storm.sh              (after `make`; as root)
#   COUNT=20000 ROUNDS=3 bench/file-storm.sh
#   VAJRA_OPTS=--hash-max-bytes=0 bench/file-storm.sh
set -euo pipefail
cd "$(dirname "$0")/.."

COUNT=${COUNT:-100000}
ROUNDS=${ROUNDS:-5}
VAJRA=${VAJRA:-build/vajra}
VAJRA_OPTS=${VAJRA_OPTS:-}
WATCHED=/dev/shm/vajra-bench-watched
UNWATCHED=/dev/shm/vajra-bench-unwatched
work=$(mktemp -d)
trap 'rm -rf "$work" "$WATCHED" "$UNWATCHED"' EXIT

[ -x "$VAJRA" ] || { echo "file-storm: $VAJRA is missing: run make first" >&2; exit 1; }
. bench/lib.sh
gcc -O2 -Wall -o "$work/file_storm" bench/workloads/file_storm.c

# ~500 bytes per row in the store: room for every row of a round, twice over.
events_max=$((COUNT * 2 + 1000))
store_mib=$(((COUNT * 1024 + (1 << 20) - 1) >> 20))
[ "$store_mib" -ge 64 ] || store_mib=64
if [ -z "${VAJRA_JAVA_OPTS+set}" ] && [ "$store_mib" -gt 128 ]; then
	VAJRA_JAVA_OPTS=$(store_java_opts "$store_mib") && export VAJRA_JAVA_OPTS
fi

rm -rf "$WATCHED" "$UNWATCHED"
mkdir -p "$WATCHED" "$UNWATCHED"
printf '{"file_paths": {"storm": ["%s/%%%%"]}}\n' "$WATCHED" >"$work/fim.json"

# Prints "<ops/s> <seconds> <pid>" of one run of the workload in directory $1.
storm() {
	"$work/file_storm" "$COUNT" "$1" | sed -E 's/ops=([0-9]+) seconds=([0-9.]+) pid=([0-9]+)/\1 \2 \3/' |
		awk '{ printf "%.0f %s %s\n", $1 / $2, $2, $3 }'
}

attach() {
	# shellcheck disable=SC2086 # options are words
	start_vajra --config "$work/fim.json" --events-max "$events_max" --store-bytes "${store_mib}M" $VAJRA_OPTS
	grep -q 'FIM: watching' "$work/vajra.err" ||
		{ echo "file-storm: Vajra did not report its FIM watch:" >&2; cat "$work/vajra.err" >&2; exit 1; }
}

# The median of the arguments.
median() {
	printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}

row='%-5s %10s %10s %6s %10s %6s %8s %8s %5s %5s %8s %8s %7s %9s %12s %8s\n'
printf "$row" round bare_ops/s watch_ops/s ratio unw_ops/s ratio captured expected other lost coll_ms/1k all_ms/1k rss_MiB sent_file file_records unw_coll_ms
bares=() watcheds=() unwatcheds=() watched_ratios=() unwatched_ratios=()
for round in $(seq "$ROUNDS"); do
	# bare
	read -r bare _ _ < <(storm "$WATCHED")

	# watched
	attach
	cpu_before=$(cpu_ms "$vajra_pid")
	collector_before=$(cpu_ms "$vajra_pid" vajra-collector)
	read -r watched _ pid < <(storm "$WATCHED")
	# Drained when the count reaches the truth or stops growing (the collector polls
	# every 20 ms; rows may wait for their hash).
	last=-1
	for attempt in $(seq 50); do
		ask "SELECT count(*) AS captured_$attempt FROM bpf_file_events WHERE pid = $pid AND action = 'UPDATED';" "captured_$attempt"
		now=$(answer "captured_$attempt")
		[ "$now" = "$last" ] || [ "$now" -ge "$COUNT" ] && { last=$now; break; }
		last=$now
		sleep 0.2
	done
	cpu=$(($(cpu_ms "$vajra_pid") - cpu_before))
	collector_cpu=$(($(cpu_ms "$vajra_pid" vajra-collector) - collector_before))
	ask "SELECT count(*) AS other FROM bpf_file_events WHERE pid = $pid AND action != 'UPDATED';" '"other"'
	other=$(answer other)
	ask "SELECT sum(value) AS lost FROM vajra_stats WHERE name LIKE 'lost%' OR (family = 'file' AND (name LIKE 'evicted%' OR name = 'dropped_oversize'));" '"lost"'
	lost=$(answer lost)
	rss=$(($(rss_kib "$vajra_pid") / 1024))
	stop_vajra

	# unwatched
	attach
	collector_before=$(cpu_ms "$vajra_pid" vajra-collector)
	read -r unwatched _ _ < <(storm "$UNWATCHED")
	sleep 0.5 # 25 collector polls: anything sent has arrived
	unwatched_cpu=$(($(cpu_ms "$vajra_pid" vajra-collector) - collector_before))
	ask "SELECT sum(CASE WHEN name = 'sent_file' THEN value END) AS sent_file, sum(CASE WHEN name = 'file_records' THEN value END) AS file_records FROM vajra_stats WHERE family = 'file';" '"file_records"'
	sent_file=$(answer sent_file)
	file_records=$(answer file_records)
	stop_vajra

	watched_ratio=$(awk -v a="$watched" -v b="$bare" 'BEGIN { printf "%.3f", a / b }')
	unwatched_ratio=$(awk -v a="$unwatched" -v b="$bare" 'BEGIN { printf "%.3f", a / b }')
	bares+=("$bare") watcheds+=("$watched") unwatcheds+=("$unwatched")
	watched_ratios+=("$watched_ratio") unwatched_ratios+=("$unwatched_ratio")
	rows=$((last + other))
	per_k=$(awk -v c="$cpu" -v e="$rows" 'BEGIN { printf "%.2f", e ? c * 1000 / e : 0 }')
	collector_per_k=$(awk -v c="$collector_cpu" -v e="$rows" 'BEGIN { printf "%.2f", e ? c * 1000 / e : 0 }')
	printf "$row" "$round" "$bare" "$watched" "$watched_ratio" "$unwatched" "$unwatched_ratio" "$last" "$COUNT" \
		"$other" "${lost:-?}" "$collector_per_k" "$per_k" "$rss" "${sent_file:-?}" "${file_records:-?}" "$unwatched_cpu"
done
echo "median ops/s: bare $(median "${bares[@]}"), watched $(median "${watcheds[@]}"), unwatched $(median "${unwatcheds[@]}")"
echo "median ratio to bare: watched $(median "${watched_ratios[@]}"), unwatched $(median "${unwatched_ratios[@]}")" \
	"over $ROUNDS rounds, $COUNT open-write-close each, $(nproc) CPUs, kernel $(uname -r)"
echo "store: --events-max $events_max --store-bytes ${store_mib}M; hashing: ${VAJRA_OPTS:-default --hash-max-bytes (64M)}"
