/* SPDX-License-Identifier: Apache-2.0 */
/* Loader of the file family (bpf/file.bpf.c): FIM. */
#ifndef VAJRA_FILE_H
#define VAJRA_FILE_H

#include "session.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct process_bpf;
struct vj_files;

/* open -> share the process object's maps -> configure. NULL with a message in `err`. */
struct vj_files *vj_files_open(struct process_bpf *process, char *err, size_t err_size);
/* load; 0, or a negative error with a message in `err`. Safe on another thread
 * while other families load. Nothing is attached until vj_files_watch gives it
 * something to watch. */
int vj_files_load(struct vj_files *f, char *err, size_t err_size);

/*
 * Replaces what the kernel filter watches, without a gap: new entries are added
 * before stale ones go. roots: (ino, dev, flags) triples; steps: (dir ino, dir
 * dev, name hash, child ino, child dev) quintuples; dev in the kernel's encoding.
 * The probes are attached while there is a root, detached when there is none.
 * Returns 0, or -1 with a message in `err`.
 */
int vj_files_watch(struct vj_files *f, const uint64_t *roots, size_t nroots, const uint64_t *steps,
		   size_t nsteps, bool accesses, char *err, size_t err_size);
void vj_files_destroy(struct vj_files *f);

#endif
