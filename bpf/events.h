/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The event ABI shared by the BPF programs (bpf/), the JNI decoder (native/) and,
 * through io.vajra.bpf.ProcessRecordLayout, Java. Plain fixed-width types only.
 *
 * A record is a fixed part followed by variable-length byte strings, in the
 * order the *_len fields are declared. Records in the ring and in a batch are
 * padded to 8 bytes; `size` includes the padding.
 *
 * In the ring, path and cwd hold path components leaf first, each terminated
 * by a NUL ("c\0b\0a\0" for /a/b/c): walking dentries upwards can only produce
 * them in that order, and reversing them is cheap in user space. The native
 * decoder rewrites them to absolute paths ("/a/b/c") before Java sees them.
 */
#ifndef VAJRA_EVENTS_H
#define VAJRA_EVENTS_H

#include <linux/types.h>

#define VJ_ABI_VERSION 2

/* Bounds of the variable parts. VJ_ARGV_MAX is the highest argv cap a user can
 * configure; the default cap is VJ_ARGV_DEFAULT. */
#define VJ_PATH_MAX 4096
#define VJ_NAME_MAX 256
#define VJ_ARGV_MAX (128 * 1024)
#define VJ_ARGV_DEFAULT (32 * 1024)
#define VJ_COMM_LEN 16

enum vj_family {
	VJ_FAMILY_PROCESS = 1,
	VJ_FAMILY_CGROUP = 2, /* names of cgroups, sent once before the first event in each */
};

/* Process operations. The exec variants tell which syscall was used. */
enum vj_process_op {
	VJ_OP_EXECVE = 1,
	VJ_OP_EXECVEAT = 2,
	VJ_OP_FORK = 3,
	VJ_OP_VFORK = 4,
	VJ_OP_CLONE = 5,
	VJ_OP_CLONE3 = 6,
	VJ_OP_EXIT = 7,
	VJ_OP_SNAPSHOT = 8, /* a process that was running when Vajra started */
};

/* vj_process.flags */
enum vj_process_flag {
	VJ_PF_ARGV_TRUNCATED = 1 << 0, /* argv longer than the cap: argv_true_len has the truth */
	VJ_PF_PATH_TRUNCATED = 1 << 1, /* more than the walk's depth or VJ_PATH_MAX */
	VJ_PF_CWD_TRUNCATED = 1 << 2,
	VJ_PF_ARGV_FAULT = 1 << 3,     /* a read of argv failed: what was read is kept */
	VJ_PF_PATH_FAULT = 1 << 4,
	VJ_PF_CWD_FAULT = 1 << 5,
	VJ_PF_CWD_DELETED = 1 << 6,    /* the cwd directory was removed */
	VJ_PF_PATH_AS_GIVEN = 1 << 7,  /* path is the caller's string (failed exec), not resolved */
	VJ_PF_PATH_DELETED = 1 << 8,
};

/* Kernel-side counters, one slot each in the per-CPU `stats` map. */
enum vj_stat {
	VJ_STAT_SENT_EXEC = 0,
	VJ_STAT_SENT_EXEC_FAILED,
	VJ_STAT_SENT_FORK,
	VJ_STAT_SENT_EXIT,
	VJ_STAT_LOST_RING_FULL,     /* bpf_ringbuf_output failed: consumer too slow */
	VJ_STAT_LOST_TOO_BIG,       /* record larger than the ring allows */
	VJ_STAT_LOST_INFLIGHT_FULL, /* exec-in-flight map full: a failed exec could not be tracked */
	VJ_STAT_FAULT_ARGV,         /* argv read failed (event still sent, flagged) */
	VJ_STAT_FAULT_PATH,         /* path/cwd read failed (event still sent, flagged) */
	VJ_STAT_FAULT_TASK,         /* no scratch buffer or task data: event lost */
	VJ_STAT_SENT_CGROUP,        /* cgroup names sent */
	VJ_STAT_MAX,
};

struct vj_header {
	__u32 size;     /* whole record including variable part and padding */
	__u16 family;   /* enum vj_family */
	__u16 op;       /* family-specific: enum vj_process_op */
	__u64 ktime_ns; /* bpf_ktime_get_boot_ns() at the event */
	__u64 unix_ns;  /* set by the native decoder: ktime_ns converted to UNIX time */
};

struct vj_process {
	struct vj_header h;
	__u64 cgroup_id;    /* cgroup v2 id of the process */
	__u64 duration_ns;  /* exec: time spent in the syscall; 0 when unknown */
	__u64 start_ns;     /* process start, boot-time ns (task->start_boottime) */
	__u32 pid;          /* tgid */
	__u32 tid;
	__u32 ppid;         /* real parent's tgid */
	__u32 uid;
	__u32 gid;
	__u32 euid;
	__u32 egid;
	__u32 suid;
	__u32 sgid;
	__u32 fsuid;
	__u32 fsgid;
	__u32 auid;         /* login uid, 4294967295 when unset */
	__s32 exit_code;    /* exec: syscall return (0 or -errno); exit: status 0-255 */
	__s32 exit_signal;  /* exit: signal that killed the process, 0 if none */
	__u32 argv_true_len;/* bytes of argv in the process image, NULs included */
	__u16 flags;        /* enum vj_process_flag */
	__u16 argc;         /* arguments captured (counted by the decoder) */
	__u16 path_len;     /* binary: mm->exe_file, resolved by the kernel */
	__u16 cwd_len;
	__u16 filename_len; /* exec: the path as passed to execve (bprm->filename) */
	__u16 reserved;
	__u32 argv_len;     /* bytes of argv captured, NUL separated */
	char comm[VJ_COMM_LEN];
	__u32 pid_ns;       /* inode number of the process's pid namespace */
	__u64 cgroup_v1_id; /* id of its cgroup in the chosen v1 hierarchy; 0 if none */
	__u32 ns_pid;       /* its pid inside that namespace */
	__u32 reserved2;
	/* then: path[path_len] cwd[cwd_len] filename[filename_len] argv[argv_len] */
};

/* The name of a cgroup, sent before the first event that carries its id, so user
 * space knows which container an event came from even when the cgroup (and its
 * directory) is gone by the time anyone looks. */
struct vj_cgroup {
	struct vj_header h;
	__u64 id;           /* kernfs id: cgroup_id / cgroup_v1_id of vj_process */
	__u32 hierarchy;    /* 0: cgroup2; n > 0: the v1 hierarchy of subsystem n - 1 */
	__u16 path_len;     /* leaf first in the ring; absolute in a batch */
	__u16 flags;        /* VJ_PF_PATH_TRUNCATED, VJ_PF_PATH_FAULT */
	/* then: path[path_len] */
};

/* A batch handed from native to Java: this header, then `count` records. */
struct vj_batch {
	__u32 abi_version;
	__u32 count;
	__u32 used;      /* bytes, header included */
	__u32 reserved;
};

#define VJ_ALIGN8(x) (((x) + 7) & ~7u)

#endif /* VAJRA_EVENTS_H */
