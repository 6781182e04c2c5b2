// SPDX-License-Identifier: Apache-2.0
/*
 * W3-style workload: TCP connect/accept/close on loopback, <count> times. A child
 * accepts and closes; the parent connects and closes. Prints
 * "connections=<n> seconds=<s>". Name the binary socket_storm: monitors match its
 * rows by comm.
 *
 * usage: socket_storm <count>
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s <count>\n", argv[0]);
		return 2;
	}
	long count = atol(argv[1]);
	int listener = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(addr);
	if (bind(listener, (struct sockaddr *)&addr, sizeof(addr)) || listen(listener, 1024) ||
	    getsockname(listener, (struct sockaddr *)&addr, &len)) {
		perror("listen");
		return 1;
	}
	double start = now();
	pid_t acceptor = fork();
	if (acceptor == 0) {
		for (long i = 0; i < count; i++) {
			int c = accept(listener, NULL, NULL);
			if (c >= 0)
				close(c);
		}
		_exit(0);
	}
	for (long i = 0; i < count; i++) {
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
