/* SPDX-License-Identifier: Apache-2.0 */
/* Loader of the process family (bpf/process.bpf.c). */
#ifndef VAJRA_PROCESS_H
#define VAJRA_PROCESS_H

#include "session.h"
#include <stddef.h>
#include <stdint.h>

struct process_bpf;

/* open -> configure -> create the shared maps. Returns NULL with a message in `err`. */
struct process_bpf *vj_process_open(const struct vj_settings *settings, char *err, size_t err_size);
/* load -> attach an opened object; 0, or a negative error with a message in `err`.
 * Another family may load meanwhile on another thread (the maps it shares exist). */
int vj_process_load(struct process_bpf *skel, char *err, size_t err_size);
/* Runs the start-up task iterator; returns a malloc'd buffer of records and
 * its length in *len, or NULL (message in `err`). */
uint8_t *vj_process_snapshot(struct process_bpf *skel, size_t *len, char *err, size_t err_size);
/* The array of the CPUs' rings (bpf/common.h). */
int vj_process_rings_fd(struct process_bpf *skel);
/* Each CPU's ring: the largest power of two of at least a page within an even
 * share of ring_bytes, or within VJ_RING_FLOOR (ring_bytes if smaller) when the
 * share is less. */
#define VJ_RING_FLOOR (1u << 20)
uint32_t vj_ring_bytes_per_cpu(uint32_t ring_bytes, int cpus);
int vj_process_stats_fd(struct process_bpf *skel);
void vj_process_destroy(struct process_bpf *skel);
/* Makes another family's object use this one's rings, counters, scratch space
 * and cgroup-name memory: every family's events merge into one order, and a
 * cgroup's name is sent once whoever meets it. Before that object's load; at
 * any time after vj_process_open. */
struct bpf_object;
int vj_share_process_maps(struct bpf_object *obj, struct process_bpf *process);
/* Gives another family's skeleton the settings every family's programs read
 * (bpf/common.h, bpf/cgroup.h) as the process family has them. Before its load. */
#define VJ_SHARE_PROCESS_SETTINGS(skel, process)                                      \
	do {                                                                          \
		(skel)->rodata->wakeup_threshold = (process)->rodata->wakeup_threshold; \
		(skel)->rodata->v1_subsys = (process)->rodata->v1_subsys;               \
		(skel)->rodata->name_cgroups = (process)->rodata->name_cgroups;         \
	} while (0)

#endif
