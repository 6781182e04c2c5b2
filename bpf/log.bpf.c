// SPDX-License-Identifier: Apache-2.0
/*
 * Log family: who wrote which bytes of the files in watched log directories.
 * User space tails the files; these records tell it which process wrote each
 * line. Attached to the write syscalls only while some log source is
 * configured: every write() on the machine then pays a descriptor and a
 * directory lookup.
 *
 * A write is judged at its exit: the file position after it, less the bytes
 * written, is where it started (appends included: the kernel moves the
 * position to the end under the inode lock); pwrite's position is its
 * argument.
 */
#include "cgroup.h"
#include "fd.h"

char LICENSE[] SEC("license") = "GPL";

enum { NR_WRITE = 1, NR_PWRITE64 = 18, NR_WRITEV = 20, NR_PWRITEV = 296, NR_PWRITEV2 = 328 };

/* Directories holding watched logs, by (dev, inode): written by user space. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct vj_fim_key);
	__type(value, __u32);
} log_dirs SEC(".maps");

struct write_call {
	__u64 file;   /* struct file * */
	__s64 pos;    /* pwrite*: the offset argument; -1 otherwise */
	__s32 fd;
	__u32 nr;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32); /* tid */
	__type(value, struct write_call);
} write_calls SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vj_write);
} write_scratch SEC(".maps");

SEC("tracepoint")
int write_enter(struct trace_event_raw_sys_enter *ctx)
{
	unsigned long a[4] = {};
	/* one program for five syscalls: arguments through a helper (see file.bpf.c) */
	bpf_probe_read_kernel(a, sizeof(a), &ctx->args[0]);
	long nr = ctx->id;
	struct file *file = fd_file(a[0]);
	if (!file)
		return 0;
	struct dentry *dir = BPF_CORE_READ(file, f_path.dentry, d_parent);
	struct inode *inode = BPF_CORE_READ(dir, d_inode);
	struct vj_fim_key key = {
		.ino = BPF_CORE_READ(inode, i_ino),
		.dev = BPF_CORE_READ(inode, i_sb, s_dev),
	};
	if (!bpf_map_lookup_elem(&log_dirs, &key))
		return 0;
	struct write_call call = {
		.file = (__u64)file,
		.fd = a[0],
		.nr = nr,
		.pos = nr == NR_PWRITE64 ? (__s64)a[3] : (nr == NR_PWRITEV || nr == NR_PWRITEV2) ? (__s64)a[3] : -1,
	};
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	if (bpf_map_update_elem(&write_calls, &tid, &call, BPF_ANY))
		count(VJ_STAT_LOST_WRITE_INFLIGHT);
	return 0;
}

SEC("tracepoint")
int write_exit(struct trace_event_raw_sys_exit *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct write_call *call = bpf_map_lookup_elem(&write_calls, &tid);
	if (!call)
		return 0;
	long ret = ctx->ret;
	__u32 zero = 0;
	struct vj_write *e = bpf_map_lookup_elem(&write_scratch, &zero);
	if (ret <= 0 || !e)
		goto out;
	struct file *file = (struct file *)call->file;
	struct inode *inode = BPF_CORE_READ(file, f_inode);
	__builtin_memset(e, 0, sizeof(*e));
	e->h.size = sizeof(*e);
	e->h.family = VJ_FAMILY_WRITE;
	e->h.op = call->nr;
	e->h.ktime_ns = bpf_ktime_get_boot_ns();
	e->ino = BPF_CORE_READ(inode, i_ino);
	e->dev = BPF_CORE_READ(inode, i_sb, s_dev);
	e->bytes = ret;
	/* pwrite's offset is its argument (pwritev2 with -1 means "the position") */
	e->offset = call->pos >= 0 ? call->pos : BPF_CORE_READ(file, f_pos) - ret;
	e->fd = call->fd;
	struct task_struct *task = bpf_get_current_task_btf();
	e->pid = BPF_CORE_READ(task, tgid);
	e->tid = BPF_CORE_READ(task, pid);
	e->ppid = BPF_CORE_READ(task, real_parent, tgid);
	e->uid = BPF_CORE_READ(task, real_cred, uid.val);
	e->gid = BPF_CORE_READ(task, real_cred, gid.val);
	task_cgroups(task, &e->cgroup_id, &e->cgroup_v1_id);
	task_pid_ns(task, &e->pid_ns, &e->ns_pid);
	bpf_get_current_comm(&e->comm, sizeof(e->comm));
	submit(e, sizeof(*e), VJ_STAT_SENT_WRITE);
out:
	bpf_map_delete_elem(&write_calls, &tid);
	return 0;
}

/* A thread killed inside a write leaves its entry behind. */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(write_thread_exit, struct task_struct *task)
{
	__u32 tid = BPF_CORE_READ(task, pid);
	bpf_map_delete_elem(&write_calls, &tid);
	return 0;
}
