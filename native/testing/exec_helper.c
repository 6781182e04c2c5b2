// SPDX-License-Identifier: Apache-2.0
/*
 * Test helper: makes the exact syscalls the end-to-end tests assert on, which
 * neither the JVM nor a shell can choose (glibc's fork() is clone(2), for one).
 *
 *   exec_helper fork|vfork|clone|clone3 <exit-code> <marker>
 *       create a child with that syscall; the child exits with <exit-code>
 *   exec_helper execveat <binary> <args...>
 *       execveat(fd of <binary>, "", argv = <binary> <args...>, AT_EMPTY_PATH)
 *   exec_helper thread-exec <file> <binary> <args...>
 *       append to <file> and keep it open, then exec <binary> from a second thread,
 *       which becomes the process's leader (the new program inherits the file)
 *   exec_helper leader-exits <file>
 *       the main thread exits first; a second thread then appends to <file> and
 *       exits holding it
 * thread-exec and leader-exits print pid=<pid> first.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/sched.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static int wait_child(pid_t pid)
{
	int status = 0;
	if (pid < 0) {
		perror("child");
		return 1;
	}
	if (waitpid(pid, &status, __WALL) < 0) {
		perror("waitpid");
		return 1;
	}
	printf("child=%d\n", pid);
	return 0;
}

static char **exec_argv;
static const char *append_path;

static void *exec_from_thread(void *unused)
{
	(void)unused;
	execve(exec_argv[0], exec_argv, environ);
	perror("execve");
	exit(1);
}

static int append(const char *path)
{
	int fd = open(path, O_WRONLY | O_APPEND);
	if (fd < 0 || write(fd, "held", 4) != 4) {
		perror(path);
		exit(1);
	}
	return fd;
}

static void *append_and_exit(void *unused)
{
	(void)unused;
	usleep(50 * 1000); /* the leader is gone by then */
	append(append_path);
	return NULL; /* the last thread: the process exits holding the file */
}

static int threaded(const char *how, char **argv)
{
	printf("pid=%d\n", getpid());
	fflush(stdout);
	pthread_t thread;
	if (strcmp(how, "thread-exec") == 0) {
		append(argv[2]);
		exec_argv = &argv[3];
		if (pthread_create(&thread, NULL, exec_from_thread, NULL) == 0)
			pause(); /* until the exec takes this thread away */
	} else {
		append_path = argv[2];
		if (pthread_create(&thread, NULL, append_and_exit, NULL) == 0)
			pthread_exit(NULL);
	}
	perror("pthread_create");
	return 1;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: see the header of exec_helper.c\n");
		return 2;
	}
	const char *how = argv[1];
	if (strcmp(how, "thread-exec") == 0 || strcmp(how, "leader-exits") == 0)
		return threaded(how, argv);
	if (strcmp(how, "execveat") == 0) {
		int fd = open(argv[2], O_PATH | O_CLOEXEC);
		if (fd < 0) {
			perror(argv[2]);
			return 1;
		}
		syscall(SYS_execveat, fd, "", &argv[2], environ, AT_EMPTY_PATH);
		perror("execveat");
		return 1;
	}
	int code = atoi(argv[2]);
	pid_t pid;
	if (strcmp(how, "fork") == 0) {
		pid = syscall(SYS_fork);
	} else if (strcmp(how, "vfork") == 0) {
		pid = vfork(); /* glibc's vfork is the vfork syscall; the child only exits */
	} else if (strcmp(how, "clone") == 0) {
		pid = syscall(SYS_clone, SIGCHLD, 0, NULL, NULL, 0);
	} else if (strcmp(how, "clone3") == 0) {
		struct clone_args args = {.exit_signal = SIGCHLD};
		pid = syscall(SYS_clone3, &args, sizeof(args));
	} else {
		fprintf(stderr, "unknown: %s\n", how);
		return 2;
	}
	if (pid == 0)
		syscall(SYS_exit_group, code);
	return wait_child(pid);
}
