// SPDX-License-Identifier: Apache-2.0
/*
 * Process family: exec (successful and failed), fork/vfork/clone, exit, and a
 * start-up snapshot of running processes.
 *
 * Successful execs come from tp_btf/sched_process_exec, where current->mm is
 * already the new image: argv is read from there, so the caller cannot change
 * it afterwards. Failed execs need the syscall tracepoints (the only place the
 * error is visible); the loader attaches those only when asked, because any
 * attached syscall tracepoint slows every syscall on the machine.
 */
#include "cgroup.h"
#include "path.h"

char LICENSE[] SEC("license") = "GPL";

const volatile __u32 argv_cap = VJ_ARGV_DEFAULT;

/* An exec between sys_enter and its outcome. */
struct exec_inflight {
	__u64 ktime_ns;
	__u64 filename; /* user pointers, valid until the exec succeeds */
	__u64 argv;
	__u32 op;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32); /* tid */
	__type(value, struct exec_inflight);
} exec_inflight SEC(".maps");

/* x86_64 syscall numbers, to name the syscall behind a fork. */
#define NR_CLONE 56
#define NR_FORK 57
#define NR_VFORK 58
#define NR_CLONE3 435

static __always_inline struct vj_process *new_record(struct scratch *s, __u16 op)
{
	struct vj_process *e = (struct vj_process *)s->data;
	__builtin_memset(e, 0, sizeof(*e));
	e->h.family = VJ_FAMILY_PROCESS;
	e->h.op = op;
	e->h.ktime_ns = bpf_ktime_get_boot_ns();
	return e;
}

/* What every family reads of a task (VJ_FILL_TASK), then the process record's own fields,
 * all with direct loads: `task` is BTF-typed (a tracepoint's, the iterator's or the current
 * one). */
static __always_inline void fill_task(struct vj_process *e, struct task_struct *task)
{
	VJ_FILL_TASK(e, task);
	const struct cred *cred = task->real_cred;
	e->start_ns = task->start_boottime;
	e->euid = cred->euid.val;
	e->egid = cred->egid.val;
	e->suid = cred->suid.val;
	e->sgid = cred->sgid.val;
	e->fsuid = cred->fsuid.val;
	e->fsgid = cred->fsgid.val;
	e->auid = bpf_core_field_exists(task->loginuid) ? task->loginuid.val : (__u32)-1;
}

/* Which path process_path reads: the flags its cut or fault sets. */
#define PATH_OF_BINARY 0
#define PATH_OF_CWD 1

/*
 * The binary's or the cwd's path, as read_path writes it at `at` in the scratch
 * record: its length in the low half, the flags to set in the high. A global
 * function, so that each program verifies the walk once rather than once per
 * path it reads (see file.bpf.c's send_fd_row).
 */
__noinline __u64 process_path(struct scratch *s, __u32 at, struct path *path, struct path *root, __u32 which)
{
	__u64 off = at;
	VJ_CLAMP(off, VJ_PATH_SCRATCH_END);
	if (!s || !path || !root)
		return 0;
	bool cwd = which == PATH_OF_CWD;
	__u16 flags = 0;
	__u32 n = read_path(s->data, off, path, root, &flags, cwd ? VJ_PF_CWD_TRUNCATED : VJ_PF_PATH_TRUNCATED,
			    cwd ? VJ_PF_CWD_FAULT : VJ_PF_PATH_FAULT);
	return n | (__u64)flags << 32;
}

/* The length part of process_path's answer, with its flags set in the record. */
static __always_inline __u32 path_length(struct vj_process *e, __u64 answer)
{
	e->flags |= answer >> 32;
	__u64 n = (__u32)answer;
	VJ_CLAMP(n, VJ_PATH_MAX);
	return n;
}

/* Binary (from mm->exe_file) and cwd, resolved by the kernel; returns the end offset. */
static __always_inline __u32 append_paths(struct scratch *s, struct vj_process *e,
					  struct task_struct *task)
{
	__u32 off = sizeof(*e);
	struct fs_struct *fs = BPF_CORE_READ(task, fs);
	struct file *exe = BPF_CORE_READ(task, mm, exe_file);
	struct path root;

	if (!fs)
		return off;
	BPF_CORE_READ_INTO(&root, fs, root);
	if (exe) {
		struct path exe_path;
		BPF_CORE_READ_INTO(&exe_path, exe, f_path);
		__u32 path_len = path_length(e, process_path(s, off, &exe_path, &root, PATH_OF_BINARY));
		e->path_len = path_len;
		if (dentry_unlinked(exe_path.dentry))
			e->flags |= VJ_PF_PATH_DELETED;
		off += path_len;
	}
	struct path pwd;
	BPF_CORE_READ_INTO(&pwd, fs, pwd);
	__u32 cwd_len = path_length(e, process_path(s, off, &pwd, &root, PATH_OF_CWD));
	e->cwd_len = cwd_len;
	if (dentry_unlinked(pwd.dentry))
		e->flags |= VJ_PF_CWD_DELETED;
	return off + cwd_len;
}

static __always_inline __u32 clamp_argv(__u64 len)
{
	__u32 cap = argv_cap;
	if (cap > VJ_ARGV_MAX)
		cap = VJ_ARGV_MAX;
	return len > cap ? cap : len;
}

static __always_inline int send(struct vj_process *e, __u32 size, __u32 stat)
{
	if (size > VJ_RECORD_MAX)
		size = VJ_RECORD_MAX;
	e->h.size = VJ_ALIGN8(size);
	return submit(e, e->h.size > VJ_RECORD_MAX ? VJ_RECORD_MAX : e->h.size, stat);
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(process_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	struct scratch *s = cpu_scratch();
	if (!s) {
		count(VJ_STAT_FAULT_TASK);
		return 0;
	}
	struct vj_process *e = new_record(s, VJ_OP_EXECVE);
	__u32 old_tid = old_pid;
	struct exec_inflight *inflight = bpf_map_lookup_elem(&exec_inflight, &old_tid);
	if (inflight) {
		e->h.op = inflight->op;
		e->duration_ns = e->h.ktime_ns - inflight->ktime_ns;
		bpf_map_delete_elem(&exec_inflight, &old_tid);
	}
	fill_task(e, task);

	__u32 off = append_paths(s, e, task);
	if (off > sizeof(*e) + 2 * VJ_PATH_MAX)
		return 0;
	long n = bpf_probe_read_kernel_str(s->data + off, VJ_PATH_MAX, BPF_CORE_READ(bprm, filename));
	if (n > 0) {
		e->filename_len = n - 1; /* without the NUL */
		off += n - 1;
	}
	if (off > sizeof(*e) + 3 * VJ_PATH_MAX)
		return 0;

	struct mm_struct *mm = BPF_CORE_READ(task, mm);
	unsigned long arg_start = BPF_CORE_READ(mm, arg_start);
	unsigned long arg_end = BPF_CORE_READ(mm, arg_end);
	__u64 true_len = arg_end > arg_start ? arg_end - arg_start : 0;
	__u32 len = clamp_argv(true_len);
	e->argv_true_len = true_len;
	if (len < true_len)
		e->flags |= VJ_PF_ARGV_TRUNCATED;
	if (len && bpf_probe_read_user(s->data + off, len, (void *)arg_start)) {
		e->flags |= VJ_PF_ARGV_FAULT;
		count(VJ_STAT_FAULT_ARGV);
		len = 0;
	}
	e->argv_len = len;
	send(e, off + len, VJ_STAT_SENT_EXEC);
	return 0;
}

static __always_inline int track_exec(__u64 filename, __u64 argv, __u32 op)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct exec_inflight v = {
		.ktime_ns = bpf_ktime_get_boot_ns(),
		.filename = filename,
		.argv = argv,
		.op = op,
	};
	if (bpf_map_update_elem(&exec_inflight, &tid, &v, BPF_ANY))
		count(VJ_STAT_LOST_INFLIGHT_FULL);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_execve")
int execve_enter(struct trace_event_raw_sys_enter *ctx)
{
	return track_exec(ctx->args[0], ctx->args[1], VJ_OP_EXECVE);
}

SEC("tracepoint/syscalls/sys_enter_execveat")
int execveat_enter(struct trace_event_raw_sys_enter *ctx)
{
	return track_exec(ctx->args[1], ctx->args[2], VJ_OP_EXECVEAT);
}

/* Copies a failed exec's arguments from the caller's memory, one string at a time. */
struct argv_copy {
	struct scratch *s;
	__u64 argv;   /* user pointer to the argv array */
	__u32 start;  /* offset of argv in the scratch record */
	__u32 len;
	__u32 cap;
	__u16 flags;
};

static long copy_one_arg(__u32 i, struct argv_copy *c)
{
	__u64 arg = 0;
	if (bpf_probe_read_user(&arg, sizeof(arg), (void *)(c->argv + i * sizeof(__u64)))) {
		c->flags |= VJ_PF_ARGV_FAULT;
		return 1;
	}
	if (!arg)
		return 1;
	if (c->len >= c->cap) {
		c->flags |= VJ_PF_ARGV_TRUNCATED;
		return 1;
	}
	__u32 at = c->start + c->len;
	__u32 room = c->cap - c->len;
	if (at > VJ_PATH_SCRATCH_END + VJ_ARGV_MAX)
		return 1;
	/* The mask keeps the bound on the register the helper gets (clang may
	 * test a copy); a single argument cannot be that long anyway. */
	room &= VJ_ARGV_MAX - 1;
	long n = bpf_probe_read_user_str(c->s->data + at, room, (void *)arg);
	if (n <= 0) {
		c->flags |= VJ_PF_ARGV_FAULT;
		return 1;
	}
	c->len += n;
	if (n == room) /* filled the room: the string was cut */
		c->flags |= VJ_PF_ARGV_TRUNCATED;
	return 0;
}

static __always_inline int exec_exit(long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct exec_inflight *inflight = bpf_map_lookup_elem(&exec_inflight, &tid);
	if (!inflight)
		return 0; /* succeeded: reported by process_exec */
	struct exec_inflight call = *inflight;
	bpf_map_delete_elem(&exec_inflight, &tid);
	if (ret >= 0)
		return 0;

	struct scratch *s = cpu_scratch();
	if (!s) {
		count(VJ_STAT_FAULT_TASK);
		return 0;
	}
	struct task_struct *task = bpf_get_current_task_btf();
	struct vj_process *e = new_record(s, call.op);
	e->duration_ns = e->h.ktime_ns - call.ktime_ns;
	e->exit_code = ret;
	fill_task(e, task);

	/* The image did not change: path is what the caller asked for, argv its own. */
	__u32 off = sizeof(*e);
	e->flags |= VJ_PF_PATH_AS_GIVEN;
	long n = bpf_probe_read_user_str(s->data + off, VJ_PATH_MAX, (void *)call.filename);
	if (n > 0) {
		e->path_len = n - 1;
		off += n - 1;
	} else {
		e->flags |= VJ_PF_PATH_FAULT;
	}
	struct fs_struct *fs = BPF_CORE_READ(task, fs);
	struct path root, pwd;
	BPF_CORE_READ_INTO(&root, fs, root);
	BPF_CORE_READ_INTO(&pwd, fs, pwd);
	if (off > sizeof(*e) + VJ_PATH_MAX)
		return 0;
	__u32 cwd_len = path_length(e, process_path(s, off, &pwd, &root, PATH_OF_CWD));
	e->cwd_len = cwd_len;
	if (dentry_unlinked(pwd.dentry))
		e->flags |= VJ_PF_CWD_DELETED;
	off += cwd_len;

	struct argv_copy c = {
		.s = s,
		.argv = call.argv,
		.start = off,
		.cap = clamp_argv(VJ_ARGV_MAX),
	};
	bpf_loop(VJ_ARGV_MAX / 2, copy_one_arg, &c, 0);
	e->flags |= c.flags;
	if (c.flags & VJ_PF_ARGV_FAULT)
		count(VJ_STAT_FAULT_ARGV);
	e->argv_len = c.len;
	e->argv_true_len = c.len; /* the caller's argv is not measured past the cap */
	send(e, off + (c.len > VJ_ARGV_MAX ? VJ_ARGV_MAX : c.len), VJ_STAT_SENT_EXEC_FAILED);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_execve")
int execve_exit(struct trace_event_raw_sys_exit *ctx)
{
	return exec_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_execveat")
int execveat_exit(struct trace_event_raw_sys_exit *ctx)
{
	return exec_exit(ctx->ret);
}

static __always_inline __u16 fork_op(struct task_struct *child)
{
#if defined(__TARGET_ARCH_x86)
	switch (syscall_regs()->orig_ax) {
	case NR_FORK:
		return VJ_OP_FORK;
	case NR_VFORK:
		return VJ_OP_VFORK;
	case NR_CLONE3:
		return VJ_OP_CLONE3;
	default:
		break;
	}
#endif
	return BPF_CORE_READ(child, vfork_done) ? VJ_OP_VFORK : VJ_OP_CLONE;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(process_fork, struct task_struct *parent, struct task_struct *child)
{
	/* New threads are not new processes. */
	if (BPF_CORE_READ(child, pid) != BPF_CORE_READ(child, tgid))
		return 0;
	struct scratch *s = cpu_scratch();
	if (!s) {
		count(VJ_STAT_FAULT_TASK);
		return 0;
	}
	struct vj_process *e = new_record(s, fork_op(child));
	fill_task(e, child);
	__u32 off = append_paths(s, e, child);
	send(e, off, VJ_STAT_SENT_FORK);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(process_exit, struct task_struct *task)
{
	__u32 tid = BPF_CORE_READ(task, pid);
	/* an exec cut short by the exit; looked up first, as a delete takes the bucket's
	 * lock even for a key that is not there */
	if (bpf_map_lookup_elem(&exec_inflight, &tid))
		bpf_map_delete_elem(&exec_inflight, &tid);
	/* One row per process: only the last thread out reports. */
	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return 0;
	struct scratch *s = cpu_scratch();
	if (!s) {
		count(VJ_STAT_FAULT_TASK);
		return 0;
	}
	struct vj_process *e = new_record(s, VJ_OP_EXIT);
	fill_task(e, task);
	int status = BPF_CORE_READ(task, exit_code);
	e->exit_code = (status >> 8) & 0xff;
	e->exit_signal = status & 0x7f;
	/* mm may already be gone here; user space fills path from its cache then. */
	__u32 off = append_paths(s, e, task);
	send(e, off, VJ_STAT_SENT_EXIT);
	return 0;
}

/* Start-up snapshot: one record per process, written to the iterator's seq file. */
SEC("iter/task")
int process_snapshot(struct bpf_iter__task *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *task = ctx->task;
	if (!task || BPF_CORE_READ(task, pid) != BPF_CORE_READ(task, tgid))
		return 0;
	__u32 slot = iterator_slot;
	struct scratch *s = bpf_map_lookup_elem(&scratch_space, &slot);
	if (!s)
		return 0;
	struct vj_process *e = new_record(s, VJ_OP_SNAPSHOT);
	fill_task(e, task);
	__u32 off = append_paths(s, e, task);
	if (off > VJ_RECORD_MAX)
		off = VJ_RECORD_MAX;
	e->h.size = VJ_ALIGN8(off);
	bpf_seq_write(seq, e, e->h.size > VJ_RECORD_MAX ? VJ_RECORD_MAX : e->h.size);
	return 0;
}
