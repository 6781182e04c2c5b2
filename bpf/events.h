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

#define VJ_ABI_VERSION 4

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
	VJ_FAMILY_SOCKET = 3,
	VJ_FAMILY_FILE = 4,
	VJ_FAMILY_WRITE = 5, /* a write to a file in a watched log directory */
};

/* Socket operations: the syscall, or the later outcome of a non-blocking connect. */
enum vj_socket_op {
	VJ_OP_SOCKET = 1,
	VJ_OP_BIND = 2,
	VJ_OP_LISTEN = 3,
	VJ_OP_CONNECT = 4,
	VJ_OP_ACCEPT = 5,
	VJ_OP_ACCEPT4 = 6,
	VJ_OP_CLOSE = 7,
	VJ_OP_SHUTDOWN = 8,
	VJ_OP_CONNECT_DONE = 9, /* a connect that returned EINPROGRESS has finished */
};

/* vj_socket.flags */
enum vj_socket_flag {
	VJ_SF_NO_SOCKET = 1 << 0,     /* the fd was not a socket, or it could not be read */
	VJ_SF_LOCAL_ABSTRACT = 1 << 1, /* UNIX: local_path is an abstract name (leading NUL dropped) */
	VJ_SF_REMOTE_ABSTRACT = 1 << 2,
	VJ_SF_HAS_BYTES = 1 << 3,     /* bytes_sent/bytes_received are the kernel's (TCP) */
	VJ_SF_HAS_LIFETIME = 1 << 4,  /* lifetime_ns is known (the socket was seen created) */
	VJ_SF_BY_EXIT = 1 << 5,       /* close: the process exited holding it (no close call; TCP only) */
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
	VJ_STAT_SENT_SOCKET,        /* socket events sent */
	VJ_STAT_LOST_SOCKET_INFLIGHT, /* socket-syscall-in-flight map full: a socket event was missed */
	VJ_STAT_SENT_FILE,          /* file events sent */
	VJ_STAT_LOST_FILE_INFLIGHT, /* file-syscall-in-flight map full: a file event was missed */
	VJ_STAT_FILE_UNTRACKED,     /* a file open for writing could not be followed to its close (map full, or over 16 held at exit) */
	VJ_STAT_FILE_TOO_DEEP,      /* a path deeper than the filter walks: treated as unwatched */
	VJ_STAT_SENT_WRITE,         /* log writes sent */
	VJ_STAT_MAX,
};

struct vj_header {
	__u32 size;     /* whole record including variable part and padding */
	__u16 family;   /* enum vj_family */
	__u16 op;       /* family-specific: enum vj_process_op */
	__u64 ktime_ns; /* bpf_ktime_get_boot_ns() at the event */
	__u64 unix_ns;  /* set by the native decoder: ktime_ns converted to UNIX time; in the
			 * ring, when the record was submitted (the order the rings merge in) */
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

#define VJ_UNIX_PATH_MAX 108

struct vj_socket {
	struct vj_header h;
	__u64 cgroup_id;
	__u64 cgroup_v1_id;
	__u64 duration_ns;    /* time in the syscall; connect-done: since the connect call */
	__u64 bytes_sent;     /* close/shutdown of TCP: data bytes sent, retransmissions included */
	__u64 bytes_received; /* close/shutdown of TCP: data bytes received (FIN not counted) */
	__u64 lifetime_ns;    /* close: since the socket was created or accepted; filled in by
			       * the collector from the rows with the same sock_id */
	__u32 pid;
	__u32 tid;
	__u32 ppid;
	__u32 uid;
	__u32 gid;
	__s32 ret;            /* the syscall's return: fd, 0, or -errno; connect-done: 0 or -error */
	__s32 fd;
	__u32 netns;          /* inode number of the socket's network namespace */
	__u32 pid_ns;
	__u32 ns_pid;
	__u16 family;         /* AF_INET 2, AF_INET6 10, AF_UNIX 1; 0 when unknown */
	__u16 type;           /* SOCK_STREAM 1, SOCK_DGRAM 2, ... */
	__u16 protocol;       /* IPPROTO_TCP 6, IPPROTO_UDP 17, 0 */
	__u16 flags;          /* enum vj_socket_flag */
	__u16 local_port;     /* host byte order */
	__u16 remote_port;
	__u16 local_path_len; /* UNIX: bytes of local_path / remote_path that follow */
	__u16 remote_path_len;
	__u8 local_addr[16];  /* IPv4 in the first 4 bytes; IPv6 all 16; network order */
	__u8 remote_addr[16];
	char comm[VJ_COMM_LEN];
	__u64 sock_id;        /* the kernel's struct sock, to tell one socket's rows; 0 when none */
	/* then: local_path[local_path_len] remote_path[remote_path_len] */
};

/* What a file event reports (osquery's file_events actions). */
enum vj_file_op {
	VJ_OP_FILE_CREATED = 1,
	VJ_OP_FILE_UPDATED = 2,  /* written or truncated: once per open-write-close */
	VJ_OP_FILE_DELETED = 3,
	VJ_OP_FILE_MOVED = 4,    /* side[0] moved to side[1]: MOVED_FROM and MOVED_TO rows */
	VJ_OP_FILE_ATTRIB = 5,   /* chmod, chown, xattrs, utimes */
	VJ_OP_FILE_OPENED = 6,   /* file_accesses categories only */
	VJ_OP_FILE_ACCESSED = 7, /* read, reported at close like UPDATED */
};

/* vj_file.flags */
enum vj_file_flag {
	VJ_FF_HAS_INODE = 1 << 0,  /* ino..ctime_ns were read from the kernel's inode */
	VJ_FF_CREATED = 1 << 1,    /* the open created the file (FMODE_CREATED) */
	VJ_FF_TRUNCATED = 1 << 2,  /* opened with O_TRUNC, or ftruncate()d while open */
	VJ_FF_LAST_CLOSE = 1 << 3, /* close: the last reference to the open file went */
};

/* vj_file_side.flags */
enum vj_side_flag {
	VJ_SF_WATCHED = 1 << 0,        /* the kernel matched this side to a watch root */
	VJ_SF_PATH_TRUNCATED = 1 << 1, /* path deeper than the walk or VJ_PATH_MAX */
	VJ_SF_PATH_FAULT = 1 << 2,
	VJ_SF_PATH_DELETED = 1 << 3,   /* the file was unlinked while open */
	VJ_SF_NAME_FAULT = 1 << 4,     /* the caller's string could not be read */
	VJ_SF_ROOT_BY_NAME = 1 << 5,   /* the root was reached walking the name (name_skip valid) */
	VJ_SF_NAME_RAW = 1 << 6,       /* name is not a path (a symlink's target) */
	VJ_SF_LEVELS = 1 << 7,         /* levels holds the names between the target (fd) or base
					* directory (name) and the root: leaf first in the ring,
					* "/a/b" in a batch */
};

/* One path of a file event. An fd target carries the file's path; a name target
 * the base directory (cwd, dirfd or root) and the caller's string. */
struct vj_file_side {
	__u64 root_ino;   /* watch root matched (0: this side is not watched) */
	__u32 root_dev;   /* kernel dev_t (major << 20 | minor) */
	__u16 depth;      /* components of path that lie below the root */
	__u16 name_skip;  /* VJ_SF_ROOT_BY_NAME: name components up to the root */
	__u16 path_len;   /* leaf first in the ring; absolute in a batch */
	__u16 name_len;
	__u16 flags;      /* enum vj_side_flag */
	__u16 levels_len;
};

struct vj_file {
	struct vj_header h;
	__u64 cgroup_id;
	__u64 cgroup_v1_id;
	__u64 ino;          /* VJ_FF_HAS_INODE: the target's inode, after the call */
	__u64 size;
	__s64 atime_ns;
	__s64 mtime_ns;
	__s64 ctime_ns;
	__u32 dev;
	__u32 mode;
	__u32 file_uid;
	__u32 file_gid;
	__u32 pid;
	__u32 tid;
	__u32 ppid;
	__u32 uid;
	__u32 gid;
	__u32 euid;
	__u32 egid;
	__u32 auid;
	__u32 pid_ns;
	__u32 ns_pid;
	__s32 ret;          /* the syscall's return (an fd for opens) */
	__s32 fd;           /* the fd acted on, -1 if none */
	__u32 open_flags;   /* opens: O_* flags; *at calls: AT_* / RENAME_* flags */
	__u32 f_mode;       /* opens and closes: the kernel's FMODE_* bits */
	__u16 syscall;      /* x86_64 syscall number; VJ_FILE_BY_EXIT for exit */
	__u16 flags;        /* enum vj_file_flag */
	__u32 reserved;
	struct vj_file_side side[2];
	char comm[VJ_COMM_LEN];
	/* then, per side: path[path_len] name[name_len] levels[levels_len] */
};

/* vj_file.syscall of a close done by the process exiting. */
#define VJ_FILE_BY_EXIT 0xffff

/* Kernel-side FIM filter: watch roots and the steps that lead to them. */
enum vj_root_flag {
	VJ_ROOT_RECURSIVE = 1 << 0, /* deeper than direct children */
	VJ_ROOT_ACCESSES = 1 << 1,  /* some category under it reports OPENED/ACCESSED */
};

struct vj_fim_key {
	__u64 ino;
	__u32 dev;        /* kernel dev_t */
	__u32 name_hash;  /* steps: FNV-1a of the child's name; roots: 0 */
};

struct vj_fim_value {
	__u64 ino;        /* steps: the child's key; roots: unused */
	__u32 dev;
	__u32 flags;      /* roots: enum vj_root_flag */
};

#define VJ_FNV_OFFSET 2166136261u
#define VJ_FNV_PRIME 16777619u

/* A write to a file whose directory holds watched logs: who wrote which bytes.
 * Fixed size. h.op is the x86_64 syscall number (write, writev, pwrite64, ...). */
struct vj_write {
	struct vj_header h;
	__u64 cgroup_id;
	__u64 cgroup_v1_id;
	__u64 ino;
	__u64 offset;     /* file offset of the first byte written */
	__u64 bytes;      /* bytes written (the syscall's return) */
	__u32 dev;        /* kernel dev_t */
	__u32 pid;
	__u32 tid;
	__u32 ppid;
	__u32 uid;
	__u32 gid;
	__u32 pid_ns;
	__u32 ns_pid;
	__s32 fd;
	__u32 reserved;
	char comm[VJ_COMM_LEN];
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
