#!/usr/bin/env bash
# Log storm: one process appends COUNT lines of LINE_BYTES bytes (newline included) to
# /dev/shm/vajra-bench-logs/storm.log (tmpfs), one write() per line, in alternating
# rounds of two configurations:
#   bare      nothing attached
#   attached  Vajra with the log source {"path": "/dev/shm/vajra-bench-logs/*.log"}
# Vajra is started afresh for each round (its counters are the round's), the directory
# exists before it starts, and the file is deleted before each run (rotation by
# deletion: the writer creates it again, the tailer reads the new file from 0).
# Reports per round and medians: writer lines/s of each, the ratio to bare (median of
# per-round ratios), the bpf_log_events rows attributed to the writer's pid against the
# ground truth once drained (the tailer's log_lines reaches COUNT or stays put for 2 s;
# deadline DRAIN_SECONDS), the unattributed lines, rows that are not an intact line of
# the workload (bad: wrong length or content, truncated, incomplete), what was lost
# (log_bytes_skipped, log_write_ranges_dropped, the log store's evictions, the kernel's
# lost_ring_full), how long the tail took to drain after the
# writer exited, Vajra's CPU per 1,000 lines (whole process, JIT and the drain queries
# included; and the threads vajra-logs and vajra-collector), the three busiest threads
# by name, and Vajra's RSS once drained. "captured" counts attributed rows only (pid is
# NULL when unattributed): captured + unattr is every row made for the file.
#
# Then, once, a flood (FLOOD=0 skips it, FLOOD=only runs nothing else): the writer
# unpaced with FLOOD_LINE_BYTES-byte lines until FLOOD_BYTES are written or
# FLOOD_SECONDS have passed, first bare, then with Vajra attached (same options as the
# rounds), Vajra's RSS sampled every 0.5 s from the writer's start until drained:
# peak RSS, rows made, rows in the store for the pid, bytes skipped, lines/s processed.
#
# Each attach is first warmed up: WARMUP lines (default 20000; 0: none) to another file
# of the directory, drained and deleted, then 1 s, so that the measured run meets a JIT-
# compiled pipeline rather than a JVM just started; counters and CPU are taken from
# there on.
#
# The log store is sized (--events-max, --store-bytes) so that it never evicts a
# round's rows; the flood may fill it (its evictions are reported: that is its bound).
#
#   bench/log-storm.sh                        (after `make`; as root)
#   COUNT=100000 ROUNDS=3 bench/log-storm.sh
#   RATE=20 FLOOD=0 bench/log-storm.sh        (a writer paced at 20 MB/s)
set -euo pipefail
cd "$(dirname "$0")/.."

COUNT=${COUNT:-200000}
ROUNDS=${ROUNDS:-5}
LINE_BYTES=${LINE_BYTES:-100}
RATE=${RATE:-0}                      # MB/s for the rounds' writer, 0: as fast as possible
FLOOD=${FLOOD:-1}
FLOOD_LINE_BYTES=${FLOOD_LINE_BYTES:-4096}
FLOOD_BYTES=${FLOOD_BYTES:-$((1 << 30))}
FLOOD_SECONDS=${FLOOD_SECONDS:-5}
DRAIN_SECONDS=${DRAIN_SECONDS:-120}
WARMUP=${WARMUP:-20000}              # lines written once Vajra is up, before measuring
VAJRA=${VAJRA:-build/vajra}
VAJRA_OPTS=${VAJRA_OPTS:-}
LOGS=/dev/shm/vajra-bench-logs
FILE=$LOGS/storm.log
work=$(mktemp -d)
sampler=
cleanup() {
	[ -z "$sampler" ] || kill "$sampler" 2>/dev/null || true
	rm -rf "$work" "$LOGS"
}
trap cleanup EXIT

[ -x "$VAJRA" ] || { echo "log-storm: $VAJRA is missing: run make first" >&2; exit 1; }
. bench/lib.sh
gcc -O2 -Wall -o "$work/log_storm" bench/workloads/log_storm.c

# A row is estimated at ~260 bytes + its line in the store: room for a round's rows,
# twice over.
events_max=$(((COUNT + WARMUP) * 2 + 1000))
store_mib=$((((COUNT + WARMUP) * (LINE_BYTES + 260) * 2 + (1 << 20) - 1) >> 20))
[ "$store_mib" -ge 64 ] || store_mib=64
if [ -z "${VAJRA_JAVA_OPTS+set}" ] && [ "$store_mib" -gt 128 ]; then
	VAJRA_JAVA_OPTS=$(store_java_opts "$store_mib") && export VAJRA_JAVA_OPTS
fi

rm -rf "$LOGS"
mkdir -p "$LOGS"
printf '{"vajra": {"log_files": [{"path": "%s/*.log", "category": "bench"}]}}\n' "$LOGS" >"$work/logs.json"

now() { date +%s.%N; }

# Runs the workload on $FILE (deleted first): "<lines> <lines/s> <seconds> <pid>".
# Arguments: lines, line bytes, rate, max seconds.
storm() {
	rm -f "$FILE"
	"$work/log_storm" "$1" "$FILE" "$2" "${3:-0}" "${4:-0}" |
		sed -E 's/lines=([0-9]+) seconds=([0-9.]+) pid=([0-9]+)/\1 \2 \3/' |
		awk '{ printf "%d %.0f %s %s\n", $1, ($2 > 0 ? $1 / $2 : 0), $2, $3 }'
}

# Starts Vajra with the log source, warms it up (WARMUP lines to another file of the
# directory, drained, deleted, then 1 s to settle) and takes the counters' baseline.
attach() {
	# shellcheck disable=SC2086 # options are words
	start_vajra --config "$work/logs.json" --events-max "$events_max" --store-bytes "${store_mib}M" $VAJRA_OPTS
	grep -q 'logs: following' "$work/vajra.err" ||
		{ echo "log-storm: Vajra did not report its log sources:" >&2; cat "$work/vajra.err" >&2; exit 1; }
	if [ "$WARMUP" -gt 0 ]; then
		"$work/log_storm" "$WARMUP" "$LOGS/warmup.log" "$LINE_BYTES" >/dev/null
		drain "$WARMUP"
		rm -f "$LOGS/warmup.log"
		sleep 1
	fi
	stats
	for n in "${names[@]}"; do
		local v="s_$n"
		printf -v "b_$n" '%s' "${!v}"
	done
}

# The counters since attach()'s baseline (log_files_tailed and the store's rows: as they are).
since_attach() {
	for n in "${names[@]}"; do
		case $n in log_files_tailed | rows) continue ;; esac
		local v="s_$n" b="b_$n"
		printf -v "s_$n" '%s' "$((${!v} - ${!b}))"
	done
}

# CPU ms of Vajra's thread named $1, or "?" when there is none.
thread_ms() {
	local comm
	for comm in /proc/"$vajra_pid"/task/*/comm; do
		if [ "$(cat "$comm" 2>/dev/null)" = "$1" ]; then
			sed 's/.*) //' "${comm%comm}stat" |
				awk -v hz="$(getconf CLK_TCK)" '{ printf "%.0f\n", ($12 + $13) * 1000 / hz }'
			return
		fi
	done
	echo "?"
}

# "<tid> <ms> <comm>" for each of Vajra's threads, into file $1.
threads_ms() {
	local task hz
	hz=$(getconf CLK_TCK)
	for task in /proc/"$vajra_pid"/task/*; do
		printf '%s %s %s\n' "${task##*/}" \
			"$(sed 's/.*) //' "$task/stat" 2>/dev/null | awk -v hz="$hz" '{ printf "%.0f", ($12 + $13) * 1000 / hz }')" \
			"$(tr ' ' '_' <"$task/comm" 2>/dev/null)"
	done >"$1"
}

# The threads (by name, summed; the three busiest) that used the most CPU between
# snapshots $1 and $2: "name=ms ...".
busiest() {
	awk 'NR == FNR { before[$1] = $2; next } { used[$3] += $2 - before[$1] }
		END { for (n in used) print used[n], n }' "$1" "$2" | sort -rn | head -3 | awk '{ printf "%s%s=%s", (NR > 1 ? " " : ""), $2, $1 }'
}

# Reads the log counters into s_<name> (0 when absent); one query, unique column names.
q=0
names=(log_lines log_lines_unattributed log_bytes_skipped log_lines_skipped log_write_ranges_dropped log_files_tailed
	sent_write lost_ring_full rows evicted_capacity evicted_bytes dropped_oversize)
stats() {
	q=$((q + 1))
	local cols="" n
	for n in "${names[@]}"; do
		case $n in
		lost_ring_full) cols+="sum(CASE WHEN name = '$n' THEN value END) AS ${n}_$q, " ;;
		*) cols+="sum(CASE WHEN family = 'log' AND name = '$n' THEN value END) AS ${n}_$q, " ;;
		esac
	done
	ask "SELECT ${cols}$q AS stats_$q FROM vajra_stats;" "\"stats_$q\":$q"
	for n in "${names[@]}"; do
		local v
		v=$(answer "${n}_$q")
		printf -v "s_$n" '%s' "${v:-0}"
	done
}

# One query answering a single number: ask_one <variable> <sql with ALIAS as the column name>.
ask_one() {
	q=$((q + 1))
	ask "${2//ALIAS/v_$q};" "\"v_$q\""
	local v
	v=$(answer "v_$q")
	printf -v "$1" '%s' "${v:-0}"
}

# Polls every 0.5 s until log_lines reaches $1, or stays put for 2 s (4 polls), or
# DRAIN_SECONDS pass. Sets drained_at: when the last value was first seen.
drain() {
	local want=$1 last=-1 same=0 deadline
	deadline=$(awk -v t="$(now)" -v d="$DRAIN_SECONDS" 'BEGIN { printf "%.0f", t + d }')
	while :; do
		stats
		if [ "$s_log_lines" = "$last" ]; then
			same=$((same + 1))
			[ "$same" -ge 4 ] && break
		else
			same=0
			drained_at=$(now)
		fi
		[ "$s_log_lines" -ge "$want" ] && break
		last=$s_log_lines
		[ "$(date +%s)" -lt "$deadline" ] || { echo "log-storm: not drained after ${DRAIN_SECONDS}s" >&2; break; }
		sleep 0.5
	done
}

# Sets bad: rows of the file that are not an intact line of the workload's pid $1 with
# line length $2.
bad_rows() {
	local sql="SELECT count(*) AS ALIAS FROM bpf_log_events WHERE path = '$FILE' AND (truncated = 1"
	sql+=" OR incomplete = 1 OR length(line) != $(($2 - 1)) OR line NOT LIKE 'vajra-log-storm pid=$1 seq=%')"
	ask_one bad "$sql"
}

median() {
	printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}

per_k() {
	awk -v c="$1" -v e="$2" 'BEGIN { if (c == "?" || e == 0) print "?"; else printf "%.2f", c * 1000 / e }'
}

if [ "$FLOOD" != only ]; then
	echo "rounds: $ROUNDS x $COUNT lines of $LINE_BYTES bytes, one write() each, writer rate ${RATE:-0} MB/s (0: unpaced)"
	row='%-5s %10s %10s %6s %8s %8s %6s %4s %8s %7s %7s %6s %7s %9s %9s %9s %7s\n'
	printf "$row" round bare_l/s vajra_l/s ratio captured expected unattr bad skipped_B rng_drop evicted k_lost drain_s all_ms/1k logs_ms/1k coll_ms/1k rss_MiB
	bares=() attacheds=() ratios=()
	for round in $(seq "$ROUNDS"); do
		read -r _ bare _ _ < <(storm "$COUNT" "$LINE_BYTES" "$RATE")
		rm -f "$FILE"

		attach
		threads_ms "$work/threads.before"
		cpu_before=$(cpu_ms "$vajra_pid")
		logs_before=$(thread_ms vajra-logs)
		coll_before=$(thread_ms vajra-collector)
		read -r lines attached _ pid < <(storm "$COUNT" "$LINE_BYTES" "$RATE")
		written_at=$(now)
		drain $((b_log_lines + lines))
		cpu=$(($(cpu_ms "$vajra_pid") - cpu_before))
		logs_after=$(thread_ms vajra-logs)
		coll_after=$(thread_ms vajra-collector)
		threads_ms "$work/threads.after"
		rss=$(($(rss_kib "$vajra_pid") / 1024))
		drain_s=$(awk -v a="$drained_at" -v b="$written_at" 'BEGIN { printf "%.1f", a - b }')
		ask_one captured "SELECT count(*) AS ALIAS FROM bpf_log_events WHERE pid = $pid"
		bad_rows "$pid" "$LINE_BYTES"
		stats
		since_attach
		stop_vajra

		logs_cpu='?' coll_cpu='?'
		[ "$logs_before" = '?' ] || [ "$logs_after" = '?' ] || logs_cpu=$((logs_after - logs_before))
		[ "$coll_before" = '?' ] || [ "$coll_after" = '?' ] || coll_cpu=$((coll_after - coll_before))
		ratio=$(awk -v a="$attached" -v b="$bare" 'BEGIN { printf "%.3f", a / b }')
		bares+=("$bare") attacheds+=("$attached") ratios+=("$ratio")
		evicted=$((s_evicted_capacity + s_evicted_bytes + s_dropped_oversize))
		k_lost=$s_lost_ring_full
		[ "$lines" = "$COUNT" ] || echo "log-storm: the writer wrote $lines lines, not $COUNT" >&2
		printf "$row" "$round" "$bare" "$attached" "$ratio" "$captured" "$lines" "$s_log_lines_unattributed" "$bad" \
			"$s_log_bytes_skipped" "$s_log_write_ranges_dropped" "$evicted" "$k_lost" "$drain_s" \
			"$(per_k "$cpu" "$s_log_lines")" "$(per_k "$logs_cpu" "$s_log_lines")" "$(per_k "$coll_cpu" "$s_log_lines")" "$rss"
		echo "      round $round: busiest threads (ms): $(busiest "$work/threads.before" "$work/threads.after")"
		if [ "$s_log_lines" != "$lines" ] || [ "$s_sent_write" != "$lines" ]; then
			echo "      round $round: rows made (log_lines) $s_log_lines, log_lines_skipped $s_log_lines_skipped, kernel sent_write $s_sent_write, files tailed $s_log_files_tailed"
		fi
	done
	rm -f "$FILE"
	echo "median lines/s: bare $(median "${bares[@]}"), attached $(median "${attacheds[@]}");" \
		"median ratio to bare: $(median "${ratios[@]}") over $ROUNDS rounds, $(nproc) CPUs, kernel $(uname -r)"
	echo "store: --events-max $events_max --store-bytes ${store_mib}M${VAJRA_OPTS:+ $VAJRA_OPTS};" \
		"JVM: ${VAJRA_JAVA_OPTS:-the defaults of build/vajra}"
fi

if [ "$FLOOD" != 0 ]; then
	flood_lines=$((FLOOD_BYTES / FLOOD_LINE_BYTES))
	echo
	echo "flood: up to $flood_lines lines of $FLOOD_LINE_BYTES bytes ($((FLOOD_BYTES >> 20)) MiB) or ${FLOOD_SECONDS}s, unpaced"
	read -r bare_lines bare _ bare_s < <(storm "$flood_lines" "$FLOOD_LINE_BYTES" 0 "$FLOOD_SECONDS") || true
	bare_s=$(awk -v l="$bare_lines" -v r="$bare" 'BEGIN { printf "%.2f", r ? l / r : 0 }')
	rm -f "$FILE"

	attach
	rss_start=$(rss_kib "$vajra_pid")
	threads_ms "$work/threads.before"
	cpu_before=$(cpu_ms "$vajra_pid")
	logs_before=$(thread_ms vajra-logs)
	coll_before=$(thread_ms vajra-collector)
	# Vajra's RSS every 0.5 s until told to stop.
	(while [ -e "/proc/$vajra_pid" ]; do
		rss_kib "$vajra_pid" 2>/dev/null || true
		sleep 0.5
	done) >"$work/rss" &
	sampler=$!
	started=$(now)
	read -r lines attached seconds pid < <(storm "$flood_lines" "$FLOOD_LINE_BYTES" 0 "$FLOOD_SECONDS")
	written_at=$(now)
	drain $((b_log_lines + lines))
	kill "$sampler" 2>/dev/null || true
	wait "$sampler" 2>/dev/null || true
	sampler=
	cpu=$(($(cpu_ms "$vajra_pid") - cpu_before))
	logs_after=$(thread_ms vajra-logs)
	coll_after=$(thread_ms vajra-collector)
	threads_ms "$work/threads.after"
	rss_end=$(rss_kib "$vajra_pid")
	ask_one captured "SELECT count(*) AS ALIAS FROM bpf_log_events WHERE pid = $pid"
	bad_rows "$pid" "$FLOOD_LINE_BYTES"
	stats
	since_attach
	stop_vajra
	rm -f "$FILE"

	peak=$(sort -n "$work/rss" | tail -1)
	samples=$(wc -l <"$work/rss")
	busy=$(awk -v a="$drained_at" -v b="$started" 'BEGIN { printf "%.1f", a - b }')
	mib=$(awk -v l="$lines" -v b="$FLOOD_LINE_BYTES" 'BEGIN { printf "%.0f", l * b / 1048576 }')
	echo "writer: bare $bare_lines lines in ${bare_s}s ($bare lines/s);" \
		"attached $lines lines ($mib MiB) in ${seconds}s ($attached lines/s)"
	echo "Vajra RSS: start $((rss_start / 1024)) MiB, peak $((peak / 1024)) MiB over $samples samples (0.5 s)," \
		"end $((rss_end / 1024)) MiB"
	echo "rows made (log_lines) $s_log_lines of $lines written, in the store for pid $pid: $captured" \
		"(store rows, warm-up included, $s_rows; evicted capacity $s_evicted_capacity, bytes $s_evicted_bytes, oversize $s_dropped_oversize)"
	echo "unattributed $s_log_lines_unattributed, bad $bad, log_bytes_skipped $s_log_bytes_skipped" \
		"($((s_log_bytes_skipped >> 20)) MiB; log_lines_skipped $s_log_lines_skipped), write ranges dropped $s_log_write_ranges_dropped," \
		"kernel sent_write $s_sent_write lost_ring_full $s_lost_ring_full"
	echo "processed: $(awk -v l="$s_log_lines" -v t="$busy" 'BEGIN { printf "%.0f", (t > 0 ? l / t : 0) }') lines/s" \
		"($s_log_lines rows over ${busy}s from the writer's start to drained)," \
		"Vajra CPU $cpu ms ($(per_k "$cpu" "$s_log_lines") ms/1k rows)"
	logs_cpu='?' coll_cpu='?'
	[ "$logs_before" = '?' ] || [ "$logs_after" = '?' ] || logs_cpu=$((logs_after - logs_before))
	[ "$coll_before" = '?' ] || [ "$coll_after" = '?' ] || coll_cpu=$((coll_after - coll_before))
	echo "threads: vajra-logs $logs_cpu ms ($(per_k "$logs_cpu" "$s_log_lines") ms/1k rows)," \
		"vajra-collector $coll_cpu ms ($(per_k "$coll_cpu" "$s_sent_write") ms/1k write records);" \
		"busiest (ms): $(busiest "$work/threads.before" "$work/threads.after")"
fi
