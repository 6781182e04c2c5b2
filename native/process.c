// SPDX-License-Identifier: Apache-2.0
#include "process.h"
#include "errors.h"
#include "process.skel.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void vj_describe_failure(const char *step, int error, char *err, size_t err_size)
{
	char tail[4096];
	vj_libbpf_log_tail(tail, sizeof(tail), sizeof(tail) - 1);
	if (error == -EPERM || error == -EACCES) {
		snprintf(err, err_size,
			 "%s failed: %s. If this is the verifier, its log ends with:\n%s", step,
			 strerror(-error), tail);
	} else {
		snprintf(err, err_size, "%s failed: %s\nlibbpf said:\n%s", step, strerror(-error), tail);
	}
}

/* The v1 hierarchy whose cgroup names identify containers: runtimes create their
 * cgroup in every hierarchy; pids, memory or cpu are the ones every runtime uses.
 * Returns the subsystem's index (its line in /proc/cgroups), or -1 (pure cgroup2). */
static int pick_v1_subsystem(void)
{
	static const char *const preferred[] = {"pids", "memory", "cpu"};
	char names[64][32];
	int hierarchy[64], enabled[64], count = 0;
	FILE *f = fopen("/proc/cgroups", "r");
	if (!f)
		return -1;
	char line[256];
	while (fgets(line, sizeof(line), f) && count < 64) {
		int num;
		if (line[0] == '#' ||
		    sscanf(line, "%31s %d %d %d", names[count], &hierarchy[count], &num, &enabled[count]) != 4)
			continue;
		count++;
	}
	fclose(f);
	for (size_t p = 0; p < sizeof(preferred) / sizeof(preferred[0]); p++)
		for (int i = 0; i < count; i++)
			if (strcmp(names[i], preferred[p]) == 0 && hierarchy[i] != 0 && enabled[i])
				return i;
	return -1;
}

/* The maps every family writes, created from this object's definitions before
 * any family loads: a family shares them at its open, so it need not wait for
 * another's load (the verifier's time) to begin its own. */
static const char *const shared_maps[] = {"rings", "stats", "scratch_space", "cgroups_named",
					  "cgroup_scratch"};

uint32_t vj_ring_bytes_per_cpu(uint32_t ring_bytes, int cpus)
{
	uint32_t share = ring_bytes / (uint32_t)(cpus > 0 ? cpus : 1);
	/* One process's storm fills one CPU's ring: on many CPUs a share of the default
	 * would be too small to ride out a GC pause of the reader. */
	uint32_t floor = ring_bytes < VJ_RING_FLOOR ? ring_bytes : VJ_RING_FLOOR;
	if (share < floor)
		share = floor;
	uint32_t size = (uint32_t)sysconf(_SC_PAGESIZE);
	while (size <= share / 2)
		size *= 2;
	return size;
}

/* One ring per CPU in the array `rings` (see bpf/common.h). */
static int create_rings(struct bpf_map *rings, uint32_t bytes_per_cpu, int cpus)
{
	int ring_fd = -1, outer_fd = -1, rc = 0;
	for (int cpu = 0; cpu < cpus && rc == 0; cpu++) {
		ring_fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "cpu_ring", 0, 0, bytes_per_cpu, NULL);
		if (ring_fd < 0) {
			rc = -errno;
			break;
		}
		if (outer_fd < 0) {
			/* the first ring is the template the verifier checks the others against */
			LIBBPF_OPTS(bpf_map_create_opts, opts, .inner_map_fd = ring_fd);
			outer_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY_OF_MAPS, "rings", sizeof(uint32_t),
						  sizeof(uint32_t), cpus, &opts);
			if (outer_fd < 0)
				rc = -errno;
		}
		uint32_t key = cpu;
		if (rc == 0 && bpf_map_update_elem(outer_fd, &key, &ring_fd, BPF_ANY))
			rc = -errno;
		close(ring_fd); /* the array holds it */
	}
	if (rc == 0)
		rc = bpf_map__reuse_fd(rings, outer_fd); /* keeps a duplicate */
	if (outer_fd >= 0)
		close(outer_fd);
	return rc;
}

static int create_shared_maps(struct bpf_object *obj, uint32_t ring_bytes_per_cpu, int cpus)
{
	for (size_t i = 0; i < sizeof(shared_maps) / sizeof(shared_maps[0]); i++) {
		struct bpf_map *map = bpf_object__find_map_by_name(obj, shared_maps[i]);
		if (!map)
			return -ENOENT;
		if (bpf_map__type(map) == BPF_MAP_TYPE_ARRAY_OF_MAPS) {
			int rc = create_rings(map, ring_bytes_per_cpu, cpus);
			if (rc)
				return rc;
			continue;
		}
		LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = bpf_map__map_flags(map));
		int fd = bpf_map_create(bpf_map__type(map), bpf_map__name(map), bpf_map__key_size(map),
					bpf_map__value_size(map), bpf_map__max_entries(map), &opts);
		if (fd < 0)
			return -errno;
		int rc = bpf_map__reuse_fd(map, fd); /* keeps a duplicate */
		close(fd);
		if (rc)
			return rc;
	}
	return 0;
}

struct process_bpf *vj_process_open(const struct vj_settings *settings, char *err, size_t err_size)
{
	int cpus = libbpf_num_possible_cpus();
	if (cpus <= 0) {
		snprintf(err, err_size, "cannot count the possible CPUs: %s", strerror(-cpus));
		return NULL;
	}
	vj_clear_libbpf_log();
	struct process_bpf *skel = process_bpf__open();
	if (!skel) {
		vj_describe_failure("opening the process BPF object", -errno, err, err_size);
		return NULL;
	}

	skel->rodata->argv_cap = settings->argv_cap;
	uint32_t ring_bytes = vj_ring_bytes_per_cpu(settings->ring_bytes, cpus);
	skel->rodata->wakeup_threshold = ring_bytes / 4;
	skel->rodata->iterator_slot = cpus;
	skel->rodata->v1_subsys = pick_v1_subsystem();
	skel->rodata->name_cgroups = settings->containers;
	bpf_map__set_max_entries(skel->maps.rings, cpus);
	bpf_map__set_max_entries(skel->maps.scratch_space, cpus + 1);
	/* Failed execs need syscall tracepoints, which tax every syscall: opt-in. */
	if (!settings->failed_execs) {
		bpf_program__set_autoload(skel->progs.execve_enter, false);
		bpf_program__set_autoload(skel->progs.execveat_enter, false);
		bpf_program__set_autoload(skel->progs.execve_exit, false);
		bpf_program__set_autoload(skel->progs.execveat_exit, false);
	}

	int rc = create_shared_maps(skel->obj, ring_bytes, cpus);
	if (rc) {
		vj_describe_failure("creating the rings and the maps the families share", rc, err, err_size);
		process_bpf__destroy(skel);
		return NULL;
	}
	return skel;
}

int vj_process_load(struct process_bpf *skel, char *err, size_t err_size)
{
	vj_clear_libbpf_log();
	int rc = process_bpf__load(skel);
	if (rc) {
		vj_describe_failure("loading the process BPF programs (the kernel's verifier rejected them)",
				 rc, err, err_size);
		return rc;
	}
	rc = process_bpf__attach(skel);
	if (rc)
		vj_describe_failure("attaching the process BPF programs", rc, err, err_size);
	return rc;
}

uint8_t *vj_process_snapshot(struct process_bpf *skel, size_t *len, char *err, size_t err_size)
{
	struct bpf_link *link = bpf_program__attach_iter(skel->progs.process_snapshot, NULL);
	if (!link) {
		vj_describe_failure("attaching the task iterator", -errno, err, err_size);
		return NULL;
	}
	int fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0) {
		vj_describe_failure("creating the task iterator", -errno, err, err_size);
		bpf_link__destroy(link);
		return NULL;
	}
	size_t cap = 1 << 20, used = 0;
	uint8_t *buf = malloc(cap);
	while (buf) {
		if (cap - used < 64 * 1024) {
			uint8_t *bigger = realloc(buf, cap * 2);
			if (!bigger) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = bigger;
			cap *= 2;
		}
		ssize_t n = read(fd, buf + used, cap - used);
		if (n == 0)
			break;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, err_size, "reading the task iterator: %s", strerror(errno));
			free(buf);
			buf = NULL;
			break;
		}
		used += n;
	}
	if (!buf && !err[0])
		snprintf(err, err_size, "out of memory reading the task iterator");
	close(fd);
	bpf_link__destroy(link);
	*len = used;
	return buf;
}

int vj_process_rings_fd(struct process_bpf *skel)
{
	return bpf_map__fd(skel->maps.rings);
}

int vj_process_stats_fd(struct process_bpf *skel)
{
	return bpf_map__fd(skel->maps.stats);
}

void vj_process_destroy(struct process_bpf *skel)
{
	process_bpf__destroy(skel);
}

int vj_share_process_maps(struct bpf_object *obj, struct process_bpf *process)
{
	for (size_t i = 0; i < sizeof(shared_maps) / sizeof(shared_maps[0]); i++) {
		struct bpf_map *mine = bpf_object__find_map_by_name(obj, shared_maps[i]);
		struct bpf_map *theirs = bpf_object__find_map_by_name(process->obj, shared_maps[i]);
		if (!mine || !theirs)
			return -ENOENT;
		int rc = bpf_map__reuse_fd(mine, bpf_map__fd(theirs));
		if (rc)
			return rc;
	}
	return 0;
}
