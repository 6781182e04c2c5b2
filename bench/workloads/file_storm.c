// SPDX-License-Identifier: Apache-2.0
/*
 * FIM workload: <count> times open(O_WRONLY|O_CREAT|O_TRUNC, 0644), write 64 bytes,
 * close, cycling over 64 fixed names (f00 .. f63) in <dir>, so the directory does
 * not grow. Put <dir> on tmpfs (/dev/shm): the root disk does only ~5,000 opens/s.
 * Plain syscalls, no stdio on the files. Prints "ops=<n> seconds=<s> pid=<pid>";
 * the pid is the marker a monitor's rows are matched by (one process, no threads).
 *
 * usage: file_storm <count> <dir>
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "clock.h"

#define NAMES 64
#define PAYLOAD 64

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s <count> <dir>\n", argv[0]);
		return 2;
	}
	long count = atol(argv[1]);
	static char paths[NAMES][4096];
	for (int i = 0; i < NAMES; i++) {
		if (snprintf(paths[i], sizeof(paths[i]), "%s/f%02d", argv[2], i) >= (int)sizeof(paths[i])) {
			fprintf(stderr, "file_storm: directory name too long\n");
			return 2;
		}
	}
	char payload[PAYLOAD];
	for (int i = 0; i < PAYLOAD; i++)
		payload[i] = 'a' + i % 26;
	payload[PAYLOAD - 1] = '\n';

	double start = now();
	for (long i = 0; i < count; i++) {
		int fd = open(paths[i % NAMES], O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0) {
			perror(paths[i % NAMES]);
			return 1;
		}
		if (write(fd, payload, PAYLOAD) != PAYLOAD) {
			perror("write");
			return 1;
		}
		if (close(fd)) {
			perror("close");
			return 1;
		}
	}
	printf("ops=%ld seconds=%.3f pid=%d\n", count, now() - start, (int)getpid());
	return 0;
}
