// SPDX-License-Identifier: Apache-2.0
/*
 * W3-style workload: TCP connect/accept/close on loopback, <count> times. A child
 * accepts and closes; the parent connects and closes. Prints
 * "connections=<n> seconds=<s>". Name the binary socket_storm: monitors match its
 * rows by comm.
 *
 * The parent stays at most WINDOW connections ahead of the child's accepts. A connect
 * completes once its connection is queued, so an unpaced parent can fill the listen
 * backlog; the kernel then drops handshakes, and each dropped one costs a 1 s SYN
 * retransmit: the run's time was those timeouts (a fixed ~2 s per 30,000 here, whatever
 * was attached), not the syscalls'.
 *
 * The parent connects to DESTINATIONS loopback addresses in turn: a closed connection's
 * TIME_WAIT holds its (address, port) pair for 60 s, and runs back to back made more
 * connections than one address has ephemeral ports (~28,000); the connects then waited
 * for old pairs to become reusable (1 s), which again timed the run.
 *
 * With ACCEPTOR_CPU=<n> in the environment the child pins itself to CPU n: with the
 * parent pinned elsewhere (taskset), the two sides produce events on two CPUs at once,
 * which bench/bpf-costs.sh uses to show what contention on the shared ring costs.
 *
 * usage: socket_storm <count>
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"

#define BACKLOG 1024
#define TOKEN 128                /* accepts per byte the child writes back */
#define WINDOW (BACKLOG / 2)     /* connections the parent may have unaccepted */
#define DESTINATIONS 32          /* 127.0.0.1 to 127.0.0.32 */

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s <count>\n", argv[0]);
		return 2;
	}
	long count = atol(argv[1]);
	int listener = socket(AF_INET, SOCK_STREAM, 0);
	/* every address of the loopback network reaches a listener on INADDR_ANY */
	struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_ANY)};
	socklen_t len = sizeof(addr);
	if (bind(listener, (struct sockaddr *)&addr, sizeof(addr)) || listen(listener, BACKLOG) ||
	    getsockname(listener, (struct sockaddr *)&addr, &len)) {
		perror("listen");
		return 1;
	}
	int accepted[2];
	if (pipe(accepted)) {
		perror("pipe");
		return 1;
	}
	double start = now();
	pid_t acceptor = fork();
	if (acceptor == 0) {
		close(accepted[0]);
		const char *cpu = getenv("ACCEPTOR_CPU");
		if (cpu && *cpu) {
			cpu_set_t only;
			CPU_ZERO(&only);
			CPU_SET(atoi(cpu), &only);
			if (sched_setaffinity(0, sizeof(only), &only))
				perror("socket_storm: ACCEPTOR_CPU");
		}
		for (long i = 1; i <= count; i++) {
			int c = accept(listener, NULL, NULL);
			if (c >= 0)
				close(c);
			if (i % TOKEN == 0 && write(accepted[1], "", 1) != 1)
				_exit(1);
		}
		_exit(0);
	}
	close(accepted[1]);
	long acked = 0; /* accepts the child has reported */
	for (long i = 0; i < count; i++) {
		char token;
		while (i - acked >= WINDOW) {
			if (read(accepted[0], &token, 1) != 1) {
				fprintf(stderr, "socket_storm: the acceptor is gone\n");
				return 1;
			}
			acked += TOKEN;
		}
		addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK + i % DESTINATIONS);
		int s = socket(AF_INET, SOCK_STREAM, 0);
		if (connect(s, (struct sockaddr *)&addr, sizeof(addr))) {
			perror("connect");
			return 1;
		}
		close(s);
	}
	waitpid(acceptor, NULL, 0);
	close(listener);
	printf("connections=%ld seconds=%.3f\n", count, now() - start);
	return 0;
}
