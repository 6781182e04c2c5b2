// SPDX-License-Identifier: Apache-2.0
#include "log.h"
#include "errors.h"
#include "links.h"
#include "log.skel.h"
#include "process.h"
#include "process.skel.h"
#include "watch.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const WRITE_CALLS[] = {"write", "writev", "pwrite64", "pwritev", "pwritev2"};
#define WRITES (sizeof(WRITE_CALLS) / sizeof(WRITE_CALLS[0]))

struct vj_logs {
	struct log_bpf *skel;
	struct bpf_link *links[WRITES];
	size_t nlinks;
};

struct vj_logs *vj_logs_load(struct process_bpf *process, char *err, size_t err_size)
{
	struct vj_logs *l = calloc(1, sizeof(*l));
	if (!l) {
		snprintf(err, err_size, "out of memory");
		return NULL;
	}
	vj_clear_libbpf_log();
	l->skel = log_bpf__open();
	if (!l->skel) {
		vj_describe_failure("opening the log BPF object", -errno, err, err_size);
		free(l);
		return NULL;
	}
	int rc = vj_share_process_maps(l->skel->obj, process);
	if (rc) {
		vj_describe_failure("sharing the rings with the log programs", rc, err, err_size);
		goto fail;
	}
	VJ_SHARE_PROCESS_SETTINGS(l->skel, process);
	rc = log_bpf__load(l->skel);
	if (rc) {
		vj_describe_failure("loading the log BPF programs (the kernel's verifier rejected them)", rc, err,
				    err_size);
		goto fail;
	}
	return l;
fail:
	log_bpf__destroy(l->skel);
	free(l);
	return NULL;
}

static void detach(struct vj_logs *l)
{
	vj_destroy_links(l->links, l->nlinks);
	l->nlinks = 0;
}

static int attach(struct vj_logs *l, char *err, size_t err_size)
{
	int rc = vj_attach_syscalls(l->skel->progs.write_exit, "sys_exit_", WRITE_CALLS, WRITES, l->links,
				    &l->nlinks);
	if (rc) {
		vj_describe_failure("attaching the log BPF programs", rc, err, err_size);
		detach(l);
		return -1;
	}
	return 0;
}

int vj_logs_watch(struct vj_logs *l, const uint64_t *dirs, size_t ndirs, char *err, size_t err_size)
{
	struct vj_fim_key *keys = calloc(ndirs ? ndirs : 1, sizeof(*keys));
	uint32_t *values = calloc(ndirs ? ndirs : 1, sizeof(*values));
	int rc = keys && values ? 0 : -ENOMEM;
	for (size_t i = 0; i < ndirs && !rc; i++) {
		keys[i] = (struct vj_fim_key){.ino = dirs[2 * i], .dev = (uint32_t)dirs[2 * i + 1]};
		values[i] = 1;
	}
	if (!rc)
		rc = vj_replace_entries(bpf_map__fd(l->skel->maps.log_dirs), keys, values, sizeof(values[0]), ndirs);
	free(keys);
	free(values);
	if (rc) {
		snprintf(err, err_size, "updating the watched log directories failed: %s", strerror(-rc));
		return -1;
	}
	l->skel->bss->log_generation++; /* cached answers predate this set */
	if (ndirs > 0 && l->nlinks == 0)
		return attach(l, err, err_size);
	if (ndirs == 0)
		detach(l);
	return 0;
}

void vj_logs_destroy(struct vj_logs *l)
{
	if (!l)
		return;
	detach(l);
	log_bpf__destroy(l->skel);
	free(l);
}
