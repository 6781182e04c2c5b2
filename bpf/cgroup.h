/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Which cgroups a task is in, and their names. Container runtimes name
 * cgroups after containers (docker-<id>.scope, /kubepods/.../<id>, ...), so the
 * name is what attributes an event to a container. Names are sent once per
 * cgroup, ahead of the first event carrying its id, and looked up by id in user
 * space: a container that lives a few milliseconds is still attributed.
 */
#ifndef VAJRA_CGROUP_H
#define VAJRA_CGROUP_H

#include "common.h"

/* Subsystem index of the v1 hierarchy to follow (from /proc/cgroups), -1 for none. */
const volatile __s32 v1_subsys = -1;
/* Off: ids are still reported, names never sent (no container attribution). */
const volatile bool name_cgroups = true;

#define VJ_CGROUP_DEPTH 32

struct cgroup_key {
	__u64 id;
	__u32 hierarchy;
	__u32 pad;
};

/* Cgroups whose name user space has been sent. LRU: a forgotten one is simply sent again. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct cgroup_key);
	__type(value, __u8);
} cgroups_named SEC(".maps");

struct cgroup_record {
	struct vj_cgroup c;
	__u8 path[VJ_PATH_MAX + VJ_NAME_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cgroup_record);
} cgroup_scratch SEC(".maps");

struct kernfs_walk {
	struct cgroup_record *r;
	struct kernfs_node *kn;
	__u32 len;
};

static __always_inline struct kernfs_node *kernfs_parent(struct kernfs_node *kn)
{
	if (bpf_core_field_exists(kn->__parent))
		return BPF_CORE_READ(kn, __parent);
	return BPF_CORE_READ(kn, parent);
}

static long walk_one_kernfs(__u32 i, struct kernfs_walk *w)
{
	/* A local copy: BPF_CORE_READ(w->kn, ...) would relocate w->kn itself. */
	struct kernfs_node *kn = w->kn;
	struct kernfs_node *parent = kernfs_parent(kn);
	if (!parent)
		return 1; /* the hierarchy's root has no name of its own */
	if (w->len > VJ_PATH_MAX - VJ_NAME_MAX) {
		w->r->c.flags |= VJ_PF_PATH_TRUNCATED;
		return 1;
	}
	long n = bpf_probe_read_kernel_str(w->r->path + w->len, VJ_NAME_MAX, BPF_CORE_READ(kn, name));
	if (n <= 0) {
		w->r->c.flags |= VJ_PF_PATH_FAULT;
		return 1;
	}
	w->len += n;
	w->kn = parent;
	return 0;
}

static __always_inline void name_cgroup(struct cgroup *cgrp, __u32 hierarchy, __u64 id)
{
	struct cgroup_key key = {.id = id, .hierarchy = hierarchy};
	if (!name_cgroups || bpf_map_lookup_elem(&cgroups_named, &key))
		return;
	__u32 zero = 0;
	struct cgroup_record *r = bpf_map_lookup_elem(&cgroup_scratch, &zero);
	if (!r)
		return;
	r->c.h.family = VJ_FAMILY_CGROUP;
	r->c.h.op = 1;
	r->c.h.ktime_ns = 0; /* stamped by submit */
	r->c.id = id;
	r->c.hierarchy = hierarchy;
	r->c.flags = 0;
	struct kernfs_walk w = {.r = r, .kn = BPF_CORE_READ(cgrp, kn)};
	bpf_loop(VJ_CGROUP_DEPTH, walk_one_kernfs, &w, 0);
	__u32 len = w.len > VJ_PATH_MAX ? VJ_PATH_MAX : w.len;
	r->c.path_len = len;
	__u32 size = VJ_ALIGN8(sizeof(r->c) + len);
	if (size > sizeof(*r))
		return;
	/* Only a delivered name counts as known; a lost one is sent again next time. */
	if (submit(r, size, VJ_STAT_SENT_CGROUP) == 0)
		bpf_map_update_elem(&cgroups_named, &key, &zero, BPF_ANY);
}

/* The last cgroups named from each CPU: events come in runs from one cgroup, and
 * a run then costs no lookup in cgroups_named. */
struct last_named {
	__u64 id[2]; /* [0] cgroup2, [1] the followed v1 hierarchy */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct last_named);
} cgroups_last SEC(".maps");

static __always_inline void name_once(struct cgroup *cgrp, __u32 hierarchy, __u64 id, __u32 slot)
{
	__u32 zero = 0;
	struct last_named *last = bpf_map_lookup_elem(&cgroups_last, &zero);
	if (last && last->id[slot & 1] == id)
		return;
	name_cgroup(cgrp, hierarchy, id);
	if (last)
		last->id[slot & 1] = id;
}

/*
 * The task's cgroup2 id and, when one is followed, its v1 cgroup id; names them on
 * first sight. `task` must be a BTF-typed pointer (the current task, a tracepoint's
 * or an iterator's task): its fields are read with direct loads.
 */
static __always_inline void task_cgroups(struct task_struct *task, __u64 *v2_id, __u64 *v1_id)
{
	struct css_set *cgroups = task->cgroups;
	struct cgroup *dfl = cgroups->dfl_cgrp;
	*v2_id = dfl->kn->id;
	name_once(dfl, 0, *v2_id, 0);

	__s32 subsys = v1_subsys;
	if (subsys < 0 || subsys >= 64)
		return;
	/* the slot at a variable index: a direct load from the set cast to untrusted memory */
	void *set = bpf_rdonly_cast(cgroups, 0);
	struct cgroup_subsys_state *css =
		*(struct cgroup_subsys_state **)(set + bpf_core_field_offset(struct css_set, subsys) +
						 subsys * sizeof(void *));
	if (!css)
		return;
	struct cgroup *cgrp = VJ_BTF(struct cgroup_subsys_state, css)->cgroup;
	*v1_id = cgrp->kn->id;
	name_once(cgrp, subsys + 1, *v1_id, 1);
}

/* The task's pid namespace and its pid there (pid 1 inside a container). */
static __always_inline void task_pid_ns(struct task_struct *task, __u32 *ns, __u32 *ns_pid)
{
	struct pid *pid = task->thread_pid;
	unsigned int level = pid->level;
	/* the entry at a variable index: direct loads from the pid cast to untrusted memory */
	void *at = bpf_rdonly_cast(pid, 0) + bpf_core_field_offset(struct pid, numbers) +
		   (level & 31) * bpf_core_type_size(struct upid);
	struct upid *upid = at;
	*ns_pid = upid->nr;
	*ns = VJ_BTF(struct pid_namespace, upid->ns)->ns.inum;
}

/*
 * A task's ids, cgroups, pid namespace and comm into a record of any family that has
 * these fields (process, file, socket and write records), with direct loads from the
 * BTF-typed task (a tracepoint's, an iterator's or the current one). A macro: the records
 * differ in layout, not in field names.
 */
#define VJ_FILL_TASK(e, task)                                                   \
	do {                                                                    \
		struct task_struct *task_ = (task);                            \
		const struct cred *cred_ = task_->real_cred;                   \
		(e)->pid = task_->tgid;                                        \
		(e)->tid = task_->pid;                                         \
		(e)->ppid = task_->real_parent->tgid;                          \
		(e)->uid = cred_->uid.val;                                     \
		(e)->gid = cred_->gid.val;                                     \
		task_cgroups(task_, &(e)->cgroup_id, &(e)->cgroup_v1_id);      \
		task_pid_ns(task_, &(e)->pid_ns, &(e)->ns_pid);                \
		/* two loads, not a helper call: the kernel keeps comm NUL-ended */ \
		__builtin_memcpy(&(e)->comm, task_->comm, sizeof((e)->comm));   \
	} while (0)

/* The calling task's, for the syscall families. */
#define VJ_FILL_CALLER(e) VJ_FILL_TASK(e, bpf_get_current_task_btf())

#endif /* VAJRA_CGROUP_H */
