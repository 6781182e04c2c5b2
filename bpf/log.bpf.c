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

/* Bumped by user space when log_dirs changes: answers cached before are stale. */
__u32 log_generation = 0;

/* The record being built, and the CPU's last answer from log_dirs: writes come
 * in runs to one file, and a run then costs no hash lookup. */
struct write_scratch {
	struct vj_write record;
	struct vj_fim_key last_dir;
	__u32 last_generation; /* log_generation + 1 when last_dir is set */
	__u32 last_is_log;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct write_scratch);
} write_scratch SEC(".maps");

static __always_inline bool is_log_dir(struct write_scratch *ws, struct vj_fim_key *dir)
{
	__u32 generation = log_generation + 1; /* read before the lookup it vouches for */
	if (ws->last_generation == generation && ws->last_dir.ino == dir->ino && ws->last_dir.dev == dir->dev)
		return ws->last_is_log;
	bool is_log = bpf_map_lookup_elem(&log_dirs, dir) != NULL;
	ws->last_dir = *dir;
	ws->last_generation = generation;
	ws->last_is_log = is_log;
	return is_log;
}

/* Exit only: the descriptor and pwrite's offset come from the saved registers
 * (syscall_regs), so a write pays one program and no map entry. */
SEC("tracepoint")
int write_exit(struct trace_event_raw_sys_exit *ctx)
{
	long ret = ctx->ret;
	if (ret <= 0)
		return 0;
	struct pt_regs *regs = syscall_regs();
	int fd = regs->di;
	struct file *raw = fd_file(fd);
	if (!raw)
		return 0;
	/* direct loads (see VJ_BTF) */
	struct file *file = VJ_BTF(struct file, raw);
	struct inode *dir = file->f_path.dentry->d_parent->d_inode;
	struct vj_fim_key key = {
		.ino = dir->i_ino,
		.dev = dir->i_sb->s_dev,
	};
	__u32 zero = 0;
	struct write_scratch *ws = bpf_map_lookup_elem(&write_scratch, &zero);
	if (!ws || !is_log_dir(ws, &key))
		return 0;
	struct vj_write *e = &ws->record;
	long nr = ctx->id;
	__s64 pos = -1;
	if (nr == NR_PWRITE64 || nr == NR_PWRITEV || nr == NR_PWRITEV2)
		pos = regs->r10;
	struct inode *inode = file->f_inode;
	__builtin_memset(e, 0, sizeof(*e));
	e->h.size = sizeof(*e);
	e->h.family = VJ_FAMILY_WRITE;
	e->h.op = nr; /* stamped by submit */
	e->ino = inode->i_ino;
	e->dev = inode->i_sb->s_dev;
	e->bytes = ret;
	/* pwrite's offset is its argument (pwritev2 with -1 means "the position") */
	e->offset = pos >= 0 ? pos : file->f_pos - ret;
	e->fd = fd;
	VJ_FILL_CALLER(e);
	submit(e, sizeof(*e), VJ_STAT_SENT_WRITE);
	return 0;
}
