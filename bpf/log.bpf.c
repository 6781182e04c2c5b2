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
	/* One program for five syscalls: only the first argument, which every one of
	 * them has, is read from ctx directly (see file.bpf.c's read_args). */
	long nr = ctx->id;
	int fd = ctx->args[0];
	struct file *raw = fd_file(fd);
	if (!raw)
		return 0;
	/* direct loads (see fill_caller in file.bpf.c): every write() pays for this */
	struct inode *dir = VJ_BTF(struct file, raw)->f_path.dentry->d_parent->d_inode;
	struct vj_fim_key key = {
		.ino = dir->i_ino,
		.dev = dir->i_sb->s_dev,
	};
	if (!bpf_map_lookup_elem(&log_dirs, &key))
		return 0;
	struct write_call call = {
		.file = (__u64)raw,
		.fd = fd,
		.nr = nr,
		.pos = -1,
	};
	if (nr == NR_PWRITE64 || nr == NR_PWRITEV || nr == NR_PWRITEV2)
		bpf_probe_read_kernel(&call.pos, sizeof(call.pos), &ctx->args[3]);
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
	struct file *file = VJ_BTF(struct file, (void *)call->file);
	struct inode *inode = file->f_inode;
	__builtin_memset(e, 0, sizeof(*e));
	e->h.size = sizeof(*e);
	e->h.family = VJ_FAMILY_WRITE;
	e->h.op = call->nr;
	e->h.ktime_ns = bpf_ktime_get_boot_ns();
	e->ino = inode->i_ino;
	e->dev = inode->i_sb->s_dev;
	e->bytes = ret;
	/* pwrite's offset is its argument (pwritev2 with -1 means "the position") */
	e->offset = call->pos >= 0 ? call->pos : file->f_pos - ret;
	e->fd = call->fd;
	struct task_struct *task = bpf_get_current_task_btf();
	const struct cred *cred = task->real_cred;
	e->pid = task->tgid;
	e->tid = task->pid;
	e->ppid = task->real_parent->tgid;
	e->uid = cred->uid.val;
	e->gid = cred->gid.val;
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
