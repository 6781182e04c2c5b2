// SPDX-License-Identifier: Apache-2.0
#include "socket.h"
#include "errors.h"
#include "process.h"
#include "process.skel.h"
#include "socket.skel.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

/* One ring, one set of counters, one cgroup-name memory for every family: events
 * stay in order in one ring, and a cgroup's name is sent once whoever meets it. */
static int share_maps(struct socket_bpf *skel, struct process_bpf *process)
{
	struct {
		struct bpf_map *mine, *theirs;
	} shared[] = {
		{skel->maps.events, process->maps.events},
		{skel->maps.stats, process->maps.stats},
		{skel->maps.scratch_space, process->maps.scratch_space},
		{skel->maps.cgroups_named, process->maps.cgroups_named},
		{skel->maps.cgroup_scratch, process->maps.cgroup_scratch},
	};
	for (size_t i = 0; i < sizeof(shared) / sizeof(shared[0]); i++) {
		int rc = bpf_map__reuse_fd(shared[i].mine, bpf_map__fd(shared[i].theirs));
		if (rc)
			return rc;
	}
	return 0;
}

struct socket_bpf *vj_socket_load(const struct vj_settings *settings, struct process_bpf *process,
				  char *err, size_t err_size)
{
	vj_clear_libbpf_log();
	struct socket_bpf *skel = socket_bpf__open();
	if (!skel) {
		vj_describe_failure("opening the socket BPF object", -errno, err, err_size);
		return NULL;
	}
	int rc = share_maps(skel, process);
	if (rc) {
		vj_describe_failure("sharing the ring with the socket programs", rc, err, err_size);
		socket_bpf__destroy(skel);
		return NULL;
	}
	skel->rodata->wakeup_threshold = process->rodata->wakeup_threshold;
	skel->rodata->v1_subsys = process->rodata->v1_subsys;
	skel->rodata->name_cgroups = process->rodata->name_cgroups;
	(void)settings;

	rc = socket_bpf__load(skel);
	if (rc) {
		vj_describe_failure("loading the socket BPF programs (the kernel's verifier rejected them)",
				    rc, err, err_size);
		socket_bpf__destroy(skel);
		return NULL;
	}
	rc = socket_bpf__attach(skel);
	if (rc) {
		vj_describe_failure("attaching the socket BPF programs", rc, err, err_size);
		socket_bpf__destroy(skel);
		return NULL;
	}
	return skel;
}

void vj_socket_destroy(struct socket_bpf *skel)
{
	socket_bpf__destroy(skel);
}
