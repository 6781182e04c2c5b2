// SPDX-License-Identifier: Apache-2.0
/*
 * Log workload: appends <lines> lines of <line_bytes> bytes each (newline included,
 * default 100) to <file>, opened O_WRONLY|O_APPEND|O_CREAT, one write() per line as a
 * line-buffered logger does. Each line carries the marker "vajra-log-storm", the
 * writer's pid and a sequence number from 0, padded with letters to its length:
 *
 *   vajra-log-storm pid=1234 seq=0000000042 abcdefgh...\n
 *
 * <rate_MBps> (default 0: as fast as possible) paces the writes to that many MB/s
 * (10^6 bytes); <max_seconds> (default 0: no limit) stops earlier after that long.
 * Plain syscalls, no stdio on the file. Prints "lines=<n> seconds=<s> pid=<pid>" with
 * the lines actually written; the pid is the marker a monitor's rows are matched by
 * (one process, no threads).
 *
 * usage: log_storm <lines> <file> [line_bytes] [rate_MBps] [max_seconds]
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"

#define MIN_LINE 48
#define MAX_LINE (16 << 20)

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s <lines> <file> [line_bytes] [rate_MBps] [max_seconds]\n", argv[0]);
		return 2;
	}
	long count = atol(argv[1]);
	const char *path = argv[2];
	long len = argc > 3 ? atol(argv[3]) : 100;
	double rate = argc > 4 ? atof(argv[4]) : 0; /* MB/s, 0: unpaced */
	double max_seconds = argc > 5 ? atof(argv[5]) : 0;
	if (count < 0 || len < MIN_LINE || len > MAX_LINE || rate < 0 || max_seconds < 0) {
		fprintf(stderr, "log_storm: lines >= 0, %d <= line_bytes <= %d, rate and seconds >= 0\n",
			MIN_LINE, MAX_LINE);
		return 2;
	}

	char *line = malloc(len);
	if (!line) {
		perror("malloc");
		return 1;
	}
	for (long i = 0; i < len; i++)
		line[i] = 'a' + i % 26;
	line[len - 1] = '\n';
	int pid = (int)getpid();
	/* "vajra-log-storm pid=<pid> seq=" then 10 digits rewritten per line, then a space */
	int head = snprintf(line, len, "vajra-log-storm pid=%d seq=", pid);
	int seq_at = head;
	line[seq_at + 10] = ' ';

	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0644);
	if (fd < 0) {
		perror(path);
		return 1;
	}

	double start = now();
	double bytes_per_second = rate * 1e6;
	long written = 0;
	for (long i = 0; i < count; i++) {
		long seq = i;
		for (int d = 9; d >= 0; d--) {
			line[seq_at + d] = '0' + seq % 10;
			seq /= 10;
		}
		if (write(fd, line, len) != len) {
			perror("write");
			return 1;
		}
		written++;
		if ((bytes_per_second > 0 || max_seconds > 0) && (i & 63) == 63) {
			double elapsed = now() - start;
			if (max_seconds > 0 && elapsed >= max_seconds)
				break;
			if (bytes_per_second > 0) {
				double due = (double)written * len / bytes_per_second;
				if (due > elapsed + 0.001) {
					double wait = due - elapsed;
					struct timespec ts = { (time_t)wait, (long)((wait - (time_t)wait) * 1e9) };
					nanosleep(&ts, NULL);
				}
			}
		}
	}
	double seconds = now() - start;
	if (close(fd)) {
		perror("close");
		return 1;
	}
	printf("lines=%ld seconds=%.3f pid=%d\n", written, seconds, pid);
	return 0;
}
