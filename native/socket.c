// SPDX-License-Identifier: Apache-2.0
#include "socket.h"
#include "errors.h"
#include "links.h"
#include "process.h"
#include "process.skel.h"
#include "socket.skel.h"
#include "watch.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The calls whose exit socket_exit reports; a call this kernel lacks is skipped. */
static const char *const EXIT_CALLS[] = {"socket", "bind", "listen", "connect", "accept", "accept4", "shutdown"};
#define EXITS (sizeof(EXIT_CALLS) / sizeof(EXIT_CALLS[0]))

struct vj_sockets {
	struct socket_bpf *skel;
	struct bpf_link *exits[EXITS]; /* socket_exit's, one per call */
	size_t nexits;
};

struct vj_sockets *vj_socket_open(struct process_bpf *process, char *err, size_t err_size)
{
	struct vj_sockets *s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, err_size, "out of memory");
		return NULL;
	}
	vj_clear_libbpf_log();
	s->skel = socket_bpf__open();
	if (!s->skel) {
		vj_describe_failure("opening the socket BPF object", -errno, err, err_size);
		free(s);
		return NULL;
	}
	int rc = vj_share_process_maps(s->skel->obj, process);
	if (rc) {
		vj_describe_failure("sharing the rings with the socket programs", rc, err, err_size);
		vj_socket_destroy(s);
		return NULL;
	}
	VJ_SHARE_PROCESS_SETTINGS(s->skel, process);
	return s;
}

int vj_socket_load(struct vj_sockets *s, char *err, size_t err_size)
{
	vj_clear_libbpf_log();
	int rc = socket_bpf__load(s->skel);
	if (rc) {
		vj_describe_failure("loading the socket BPF programs (the kernel's verifier rejected them)",
				    rc, err, err_size);
		return rc;
	}
	rc = socket_bpf__attach(s->skel); /* all but socket_exit, whose section names no call */
	if (!rc)
		rc = vj_attach_syscalls(s->skel->progs.socket_exit, "sys_exit_", EXIT_CALLS, EXITS, s->exits,
					&s->nexits);
	if (rc)
		vj_describe_failure("attaching the socket BPF programs", rc, err, err_size);
	return rc;
}

void vj_socket_destroy(struct vj_sockets *s)
{
	if (!s)
		return;
	/* Its syscall tracepoints detach concurrently (see links.h); the skeleton
	 * then finds no link left to destroy. */
	struct bpf_object_skeleton *skeleton = s->skel->skeleton;
	struct bpf_link *links[skeleton->prog_cnt + EXITS];
	size_t n = 0;
	for (int i = 0; i < skeleton->prog_cnt; i++) {
		links[n++] = *skeleton->progs[i].link;
		*skeleton->progs[i].link = NULL;
	}
	for (size_t i = 0; i < s->nexits; i++)
		links[n++] = s->exits[i];
	vj_destroy_links(links, n);
	socket_bpf__destroy(s->skel);
	free(s);
}
