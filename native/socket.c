// SPDX-License-Identifier: Apache-2.0
#include "socket.h"
#include "errors.h"
#include "links.h"
#include "process.h"
#include "process.skel.h"
#include "socket.skel.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

struct socket_bpf *vj_socket_open(struct process_bpf *process, char *err, size_t err_size)
{
	vj_clear_libbpf_log();
	struct socket_bpf *skel = socket_bpf__open();
	if (!skel) {
		vj_describe_failure("opening the socket BPF object", -errno, err, err_size);
		return NULL;
	}
	int rc = vj_share_process_maps(skel->obj, process);
	if (rc) {
		vj_describe_failure("sharing the ring with the socket programs", rc, err, err_size);
		socket_bpf__destroy(skel);
		return NULL;
	}
	skel->rodata->wakeup_threshold = process->rodata->wakeup_threshold;
	skel->rodata->v1_subsys = process->rodata->v1_subsys;
	skel->rodata->name_cgroups = process->rodata->name_cgroups;
	return skel;
}

int vj_socket_load(struct socket_bpf *skel, char *err, size_t err_size)
{
	vj_clear_libbpf_log();
	int rc = socket_bpf__load(skel);
	if (rc) {
		vj_describe_failure("loading the socket BPF programs (the kernel's verifier rejected them)",
				    rc, err, err_size);
		return rc;
	}
	rc = socket_bpf__attach(skel);
	if (rc)
		vj_describe_failure("attaching the socket BPF programs", rc, err, err_size);
	return rc;
}

void vj_socket_destroy(struct socket_bpf *skel)
{
	if (!skel)
		return;
	/* Its syscall tracepoints detach concurrently (see links.h); the skeleton
	 * then finds no link left to destroy. */
	struct bpf_object_skeleton *s = skel->skeleton;
	struct bpf_link *links[s->prog_cnt];
	for (int i = 0; i < s->prog_cnt; i++) {
		links[i] = *s->progs[i].link;
		*s->progs[i].link = NULL;
	}
	vj_destroy_links(links, s->prog_cnt);
	socket_bpf__destroy(skel);
}
