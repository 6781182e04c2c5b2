// SPDX-License-Identifier: Apache-2.0
/*
 * W2-style workload: fork + exec a binary N times as fast as possible, from
 * `workers` processes in parallel. Prints "execs=<n> seconds=<s>" on stdout.
 * Every exec carries the marker argument, so a monitor's rows can be matched
 * to this run and nothing else on the machine.
 *
 * usage: exec_storm <count> <workers> <marker> [binary]
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"

static void run(long count, const char *binary, char *marker)
{
	for (long i = 0; i < count; i++) {
		pid_t pid = fork();
		if (pid == 0) {
			char *argv[] = {(char *)binary, marker, NULL};
			execv(binary, argv);
			_exit(127);
		}
		if (pid < 0) {
			perror("fork");
			exit(1);
		}
		int status;
		waitpid(pid, &status, 0);
	}
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: %s <count> <workers> <marker> [binary]\n", argv[0]);
		return 2;
	}
	long count = atol(argv[1]);
	int workers = atoi(argv[2]);
	const char *binary = argc > 4 ? argv[4] : "/bin/true";
	double start = now();
	for (int w = 0; w < workers; w++) {
		if (fork() == 0) {
			run(count / workers + (w < count % workers), binary, argv[3]);
			_exit(0);
		}
	}
	while (wait(NULL) > 0)
		;
	printf("execs=%ld seconds=%.3f\n", count, now() - start);
	return 0;
}
