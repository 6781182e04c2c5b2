// SPDX-License-Identifier: Apache-2.0
/*
 * W5 workload, a mixed real one: <runs> times, compile and link each of <sources> with
 * `gcc -O2 -o <dir>/a.out <source>`, one compiler at a time, in <dir> (chdir'ed to:
 * every process of the build has it as its working directory, which is how a monitor's
 * rows are matched to this run). Each compile execs gcc, cc1, as, collect2 and ld,
 * opens headers and libraries, writes temporary files, and runs real computation in
 * between: a fixed amount of work that is neither all syscalls nor all CPU. Stops at
 * the first failed compile. Prints "runs=<n> seconds=<s> pid=<pid> compiles=<c>".
 *
 * usage: build_loop <runs> <dir> <source>...
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: %s <runs> <dir> <source>...\n", argv[0]);
		return 2;
	}
	long runs = atol(argv[1]);
	if (chdir(argv[2])) {
		perror(argv[2]);
		return 1;
	}
	long compiles = 0;
	double start = now();
	for (long r = 0; r < runs; r++) {
		for (int s = 3; s < argc; s++) {
			pid_t pid = fork();
			if (pid == 0) {
				char *args[] = {"gcc", "-O2", "-w", "-o", "a.out", argv[s], NULL};
				execvp("gcc", args);
				perror("gcc");
				_exit(127);
			}
			if (pid < 0) {
				perror("fork");
				return 1;
			}
			int status;
			if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
				fprintf(stderr, "build_loop: gcc %s failed\n", argv[s]);
				return 1;
			}
			compiles++;
		}
	}
	printf("runs=%ld seconds=%.3f pid=%d compiles=%ld\n", runs, now() - start, (int)getpid(), compiles);
	return 0;
}
