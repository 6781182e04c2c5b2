// SPDX-License-Identifier: Apache-2.0
#include "file.h"
#include "errors.h"
#include "links.h"
#include "watch.h"
#include "file.skel.h"
#include "process.h"
#include "process.skel.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The syscalls the file programs are attached to: opens at their exit only (the
 * file they made is judged there), the calls by name or fd at enter and exit,
 * closes at enter. A syscall this kernel lacks (setxattrat before 6.13) is skipped. */
static const char *const OPEN_CALLS[] = {"open", "creat", "openat", "openat2"};
static const char *const NAMED_CALLS[] = {
	"truncate", "ftruncate", "unlink", "rmdir",
	"unlinkat", "rename", "renameat", "renameat2", "link", "linkat", "symlink", "symlinkat",
	"mkdir", "mkdirat", "chmod", "fchmod", "fchmodat", "fchmodat2", "chown", "fchown",
	"lchown", "fchownat", "setxattr", "lsetxattr", "fsetxattr", "removexattr",
	"lremovexattr", "fremovexattr", "setxattrat", "removexattrat", "utime", "utimes",
	"futimesat", "utimensat",
};
static const char *const CLOSING_CALLS[] = {"close", "dup2", "dup3"};
static const char *const EXEC_CALLS[] = {"execve", "execveat"};

#define OPENS (sizeof(OPEN_CALLS) / sizeof(OPEN_CALLS[0]))
#define NAMED (sizeof(NAMED_CALLS) / sizeof(NAMED_CALLS[0]))
#define CLOSING (sizeof(CLOSING_CALLS) / sizeof(CLOSING_CALLS[0]))
#define EXECS (sizeof(EXEC_CALLS) / sizeof(EXEC_CALLS[0]))
#define MAX_LINKS (OPENS + 2 * NAMED + CLOSING + EXECS + 1)

struct vj_files {
	struct file_bpf *skel;
	struct bpf_link *links[MAX_LINKS];
	size_t nlinks;
};

struct vj_files *vj_files_open(struct process_bpf *process, char *err, size_t err_size)
{
	struct vj_files *f = calloc(1, sizeof(*f));
	if (!f) {
		snprintf(err, err_size, "out of memory");
		return NULL;
	}
	vj_clear_libbpf_log();
	f->skel = file_bpf__open();
	if (!f->skel) {
		vj_describe_failure("opening the file BPF object", -errno, err, err_size);
		free(f);
		return NULL;
	}
	int rc = vj_share_process_maps(f->skel->obj, process);
	if (rc) {
		vj_describe_failure("sharing the rings with the file programs", rc, err, err_size);
		vj_files_destroy(f);
		return NULL;
	}
	VJ_SHARE_PROCESS_SETTINGS(f->skel, process);
	return f;
}

int vj_files_load(struct vj_files *f, char *err, size_t err_size)
{
	vj_clear_libbpf_log();
	int rc = file_bpf__load(f->skel);
	if (rc)
		vj_describe_failure("loading the file BPF programs (the kernel's verifier rejected them)", rc,
				    err, err_size);
	return rc;
}

static void detach(struct vj_files *f)
{
	vj_destroy_links(f->links, f->nlinks);
	f->nlinks = 0;
}

static int attach(struct vj_files *f, char *err, size_t err_size)
{
	struct file_bpf *skel = f->skel;
	/* Closes first: an open remembered before its close probe exists would
	 * never be reported. */
	int rc = vj_attach_syscalls(skel->progs.file_close, "sys_enter_", CLOSING_CALLS, CLOSING, f->links,
				    &f->nlinks);
	if (!rc)
		rc = vj_attach_syscalls(skel->progs.file_exec, "sys_enter_", EXEC_CALLS, EXECS, f->links,
					&f->nlinks);
	if (!rc) {
		struct bpf_link *link = bpf_program__attach(skel->progs.file_exit_process);
		rc = link ? 0 : -errno;
		if (link)
			f->links[f->nlinks++] = link;
	}
	if (!rc)
		rc = vj_attach_syscalls(skel->progs.file_exit, "sys_exit_", OPEN_CALLS, OPENS, f->links, &f->nlinks);
	if (!rc)
		rc = vj_attach_syscalls(skel->progs.file_exit, "sys_exit_", NAMED_CALLS, NAMED, f->links, &f->nlinks);
	if (!rc)
		rc = vj_attach_syscalls(skel->progs.file_enter, "sys_enter_", NAMED_CALLS, NAMED, f->links,
					&f->nlinks);
	if (rc) {
		vj_describe_failure("attaching the file BPF programs", rc, err, err_size);
		detach(f);
		return -1;
	}
	return 0;
}

int vj_files_watch(struct vj_files *f, const uint64_t *roots, size_t nroots, const uint64_t *steps,
		   size_t nsteps, bool accesses, char *err, size_t err_size)
{
	size_t n = nroots > nsteps ? nroots : nsteps;
	struct vj_fim_key *keys = calloc(n ? n : 1, sizeof(*keys));
	struct vj_fim_value *values = calloc(n ? n : 1, sizeof(*values));
	int rc = keys && values ? 0 : -ENOMEM;
	for (size_t i = 0; i < nroots && !rc; i++) {
		keys[i] = (struct vj_fim_key){.ino = roots[3 * i], .dev = (uint32_t)roots[3 * i + 1]};
		values[i] = (struct vj_fim_value){.flags = (uint32_t)roots[3 * i + 2]};
	}
	/* Roots go first when watching starts: attach after they are in place. */
	if (!rc)
		rc = vj_replace_entries(bpf_map__fd(f->skel->maps.fim_roots), keys, values, sizeof(values[0]), nroots);
	for (size_t i = 0; i < nsteps && !rc; i++) {
		const uint64_t *s = steps + 5 * i;
		keys[i] = (struct vj_fim_key){.ino = s[0], .dev = (uint32_t)s[1], .name_hash = (uint32_t)s[2]};
		values[i] = (struct vj_fim_value){.ino = s[3], .dev = (uint32_t)s[4]};
	}
	if (!rc)
		rc = vj_replace_entries(bpf_map__fd(f->skel->maps.fim_steps), keys, values, sizeof(values[0]), nsteps);
	free(keys);
	free(values);
	if (rc) {
		snprintf(err, err_size, "updating the FIM watch maps failed: %s", strerror(-rc));
		return -1;
	}
	f->skel->bss->fim_accesses = accesses;
	f->skel->bss->fim_generation++; /* cached verdicts predate this set */
	if (nroots > 0 && f->nlinks == 0)
		return attach(f, err, err_size);
	if (nroots == 0)
		detach(f);
	return 0;
}

void vj_files_destroy(struct vj_files *f)
{
	if (!f)
		return;
	detach(f);
	file_bpf__destroy(f->skel);
	free(f);
}
