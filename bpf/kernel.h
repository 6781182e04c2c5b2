/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The few kernel structures Vajra reads, declared by hand instead of a
 * generated vmlinux.h. Only the fields we read are listed; with
 * preserve_access_index libbpf relocates every access to the running kernel's
 * layout (from /sys/kernel/btf/vmlinux) at load time, so field order and
 * padding here do not matter.
 */
#ifndef VAJRA_KERNEL_H
#define VAJRA_KERNEL_H

#include <linux/types.h>
#include <linux/bpf.h>
#include <stdbool.h>

typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;
typedef __s32 s32;
typedef __s64 s64;
typedef int pid_t;

#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)

typedef struct { int counter; } atomic_t;
typedef struct { u32 val; } kuid_t;
typedef struct { u32 val; } kgid_t;

struct qstr {
	union {
		struct {
			u32 hash;
			u32 len;
		};
		u64 hash_len;
	};
	const unsigned char *name;
};

struct hlist_bl_node {
	struct hlist_bl_node *next, **pprev;
};

struct inode;
struct dentry {
	struct hlist_bl_node d_hash; /* unhashed (pprev == NULL) once deleted */
	struct dentry *d_parent;
	struct qstr d_name;
	struct inode *d_inode;
};

struct vfsmount {
	struct dentry *mnt_root;
};

/* struct mount wraps struct vfsmount; we reach it with container_of. */
struct mount {
	struct mount *mnt_parent;
	struct dentry *mnt_mountpoint;
	struct vfsmount mnt;
};

struct path {
	struct vfsmount *mnt;
	struct dentry *dentry;
};

struct ns_common {
	unsigned int inum;
};

typedef struct { long counter; } atomic_long_t;

struct super_block {
	u32 s_dev; /* dev_t: major << 20 | minor */
};

struct inode {
	unsigned short i_mode;
	kuid_t i_uid;
	kgid_t i_gid;
	struct super_block *i_sb;
	unsigned long i_ino;
	u32 i_generation;
	s64 i_size;
	s64 i_atime_sec; /* 6.7 and later: split timestamps */
	s64 i_mtime_sec;
	s64 i_ctime_sec;
	u32 i_atime_nsec;
	u32 i_mtime_nsec;
	u32 i_ctime_nsec;
};

/* 6.13 and later count a file's references in f_ref (one reference reads 0),
 * earlier kernels in f_count (one reference reads 1). */
struct file_ref {
	atomic_long_t refcnt;
};

struct file {
	struct path f_path;
	struct inode *f_inode;
	void *private_data; /* struct socket * for a socket's file */
	unsigned int f_mode;
	unsigned int f_flags;
	s64 f_pos;
	struct file_ref f_ref;
};

struct file___old {
	atomic_long_t f_count;
};

struct fdtable {
	unsigned int max_fds;
	struct file **fd;
};

struct files_struct {
	struct fdtable *fdt;
};

struct in6_addr {
	u8 s6_addr[16];
};

struct net {
	struct ns_common ns;
};

typedef struct {
	struct net *net;
} possible_net_t;

struct sock_common {
	u32 skc_daddr;
	u32 skc_rcv_saddr;
	u16 skc_dport; /* network order */
	u16 skc_num;   /* host order */
	unsigned short skc_family;
	volatile unsigned char skc_state;
	possible_net_t skc_net;
	struct in6_addr skc_v6_daddr;
	struct in6_addr skc_v6_rcv_saddr;
};

struct sock {
	struct sock_common __sk_common;
	u16 sk_type;
	u16 sk_protocol;
	u8 sk_shutdown;
	int sk_err;
	long sk_sndtimeo; /* LONG_MAX (MAX_SCHEDULE_TIMEOUT) unless SO_SNDTIMEO was set */
};

struct socket {
	struct sock *sk;
};

struct tcp_sock {
	u64 bytes_received;
	u64 bytes_sent;
};

struct sockaddr_un {
	unsigned short sun_family;
	char sun_path[108];
};

struct unix_address {
	int len;
	struct sockaddr_un name[];
};

struct unix_sock {
	struct unix_address *addr;
	struct sock *peer;
};

struct fs_struct {
	struct path root, pwd;
};

struct mm_struct {
	struct file *exe_file;
	unsigned long arg_start, arg_end;
};

struct cred {
	kuid_t uid, suid, euid, fsuid;
	kgid_t gid, sgid, egid, fsgid;
};

struct signal_struct {
	atomic_t live;
	int group_exit_code;
};

struct kernfs_node {
	u64 id;
	const char *name;
	struct kernfs_node *parent;   /* before 6.15 */
	struct kernfs_node *__parent; /* 6.15 and later */
};

struct cgroup {
	struct kernfs_node *kn;
};

struct cgroup_subsys_state {
	struct cgroup *cgroup;
};

struct css_set {
	/* Indexed by subsystem id (the line order of /proc/cgroups); the length
	 * depends on the kernel's config, so it is reached by offset. */
	struct cgroup_subsys_state *subsys[1];
	struct cgroup *dfl_cgrp;
};

struct pid_namespace {
	struct ns_common ns;
};

struct upid {
	int nr;
	struct pid_namespace *ns;
};

struct pid {
	unsigned int level;
	struct upid numbers[1]; /* level + 1 entries */
};

struct task_struct {
	unsigned int flags;
	pid_t pid;
	pid_t tgid;
	int exit_code;
	u64 start_boottime;
	struct task_struct *real_parent;
	struct task_struct *group_leader;
	const struct cred *real_cred; /* objective credentials, as /proc shows them */
	struct mm_struct *mm;
	struct fs_struct *fs;
	struct signal_struct *signal;
	struct css_set *cgroups;
	struct pid *thread_pid;
	struct files_struct *files;
	void *vfork_done;
	kuid_t loginuid;
	char comm[16];
};

struct linux_binprm {
	struct file *file;
	const char *filename;
};

struct pt_regs {
	unsigned long orig_ax;
	unsigned long di, si, dx, r10; /* a syscall's first four arguments (x86-64) */
};

struct seq_file;

struct bpf_iter_meta {
	struct seq_file *seq;
	u64 session_id;
	u64 seq_num;
};

#pragma clang attribute pop

/* Iterator context: not a kernel struct we relocate, the fixed iter ABI. */
struct bpf_iter__task {
	union { struct bpf_iter_meta *meta; };
	union { struct task_struct *task; };
};

/* Fixed layouts of the syscall tracepoints (tracefs events/syscalls/.../format). */
struct trace_event_raw_sys_enter {
	u64 common;
	long id;
	unsigned long args[6];
};

struct trace_event_raw_sys_exit {
	u64 common;
	long id;
	long ret;
};

#define PF_KTHREAD 0x00200000
#define PF_EXITING 0x00000004

#endif /* VAJRA_KERNEL_H */
