/* SPDX-License-Identifier: Apache-2.0 */
/* Loader of the process family (bpf/process.bpf.c). */
#ifndef VAJRA_PROCESS_H
#define VAJRA_PROCESS_H

#include "session.h"
#include <stddef.h>
#include <stdint.h>

struct process_bpf;

/* open -> configure -> load -> attach. Returns NULL with a message in `err`. */
struct process_bpf *vj_process_load(const struct vj_settings *settings, char *err, size_t err_size);
/* Runs the start-up task iterator; returns a malloc'd buffer of records and
 * its length in *len, or NULL (message in `err`). */
uint8_t *vj_process_snapshot(struct process_bpf *skel, size_t *len, char *err, size_t err_size);
int vj_process_ring_fd(struct process_bpf *skel);
int vj_process_stats_fd(struct process_bpf *skel);
void vj_process_destroy(struct process_bpf *skel);

#endif
