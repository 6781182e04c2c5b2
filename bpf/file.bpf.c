// SPDX-License-Identifier: Apache-2.0
/*
 * File family (FIM): creations, updates, deletions, renames, attribute changes
 * and, for file_accesses categories, opens and reads, under the configured
 * watch roots only.
 *
 * This kernel offers no kprobes, fentry or LSM hooks, so the probes are
 * syscall tracepoints: three programs, each attached to many of them and
 * dispatching on the syscall number (see native/file.c for the list), only
 * while some path is watched.
 *
 * Filtering happens here, so that activity outside the watched trees never
 * reaches user space:
 * - a target known by its dentry (an opened file, an fd) is watched when a
 *   directory on its dentry chain is a watch root (fim_roots, by device and
 *   inode): bind mounts and other mount namespaces resolve to the same inodes,
 *   and new subdirectories are covered at once;
 * - a target known by a name (unlink, rename, mkdir, chmod...) is watched when
 *   its base directory (cwd, dirfd or root) lies in a recursive root, or when
 *   walking the name from the base reaches a root through fim_steps, the
 *   (directory, name hash) -> child edges user space lays from / to each root.
 * The kernel's verdict is a superset; user space matches the exact patterns.
 *
 * Writes are not traced one by one (a tracepoint on write() would tax every
 * write on the machine): an open for writing is remembered, and when its
 * descriptor is closed (close, dup2/dup3 over it, or the process exiting) the
 * inode's size, times and the file position are compared with what they were
 * at open, giving one UPDATED row per open-write-close.
 */
#include "cgroup.h"
#include "fd.h"
#include "path.h"

char LICENSE[] SEC("license") = "GPL";

#define AT_FDCWD -100
#define AT_EMPTY_PATH 0x1000
#define O_ACCMODE 3
#define O_WRONLY 1
#define O_CREAT 0100
#define O_TRUNC 01000
#define FMODE_READ 0x1
#define FMODE_WRITE 0x2
#define FMODE_PATH (1 << 14)
#define FMODE_CREATED (1 << 20)

/* Deeper paths than this are not matched (counted as VJ_STAT_FILE_TOO_DEEP). */
#define VJ_FIM_DEPTH 64
#define NAME_MASK (VJ_PATH_MAX - 1)

/* x86_64 syscall numbers. */
enum {
	NR_OPEN = 2, NR_CLOSE = 3, NR_DUP2 = 33, NR_TRUNCATE = 76, NR_FTRUNCATE = 77,
	NR_RENAME = 82, NR_MKDIR = 83, NR_RMDIR = 84, NR_CREAT = 85, NR_LINK = 86,
	NR_UNLINK = 87, NR_SYMLINK = 88, NR_CHMOD = 90, NR_FCHMOD = 91, NR_CHOWN = 92,
	NR_FCHOWN = 93, NR_LCHOWN = 94, NR_UTIME = 132, NR_SETXATTR = 188,
	NR_LSETXATTR = 189, NR_FSETXATTR = 190, NR_REMOVEXATTR = 197,
	NR_LREMOVEXATTR = 198, NR_FREMOVEXATTR = 199, NR_UTIMES = 235, NR_OPENAT = 257,
	NR_MKDIRAT = 258, NR_FCHOWNAT = 260, NR_FUTIMESAT = 261, NR_UNLINKAT = 263,
	NR_RENAMEAT = 264, NR_LINKAT = 265, NR_SYMLINKAT = 266, NR_FCHMODAT = 268,
	NR_UTIMENSAT = 280, NR_DUP3 = 292, NR_RENAMEAT2 = 316, NR_OPENAT2 = 437,
	NR_FCHMODAT2 = 452, NR_SETXATTRAT = 463, NR_REMOVEXATTRAT = 466,
};

/* Set by user space: whether any root reports opens and reads. Without it a
 * read-only open costs only a look at its mode. */
__u32 fim_accesses = 0;

/* Bumped by user space when the watch set changes and here when a watched
 * name is renamed: verdicts cached before are stale. */
__u32 fim_generation = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct vj_fim_key);
	__type(value, struct vj_fim_value);
} fim_roots SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct vj_fim_key);
	__type(value, struct vj_fim_value);
} fim_steps SEC(".maps");

/* One side of a call in flight: where its name starts from, and the verdict. */
struct call_side {
	struct path base;
	const char *name;
	struct vj_file_side match;
};

/* A file syscall between enter and exit. */
struct file_call {
	__u64 ktime_ns;
	struct file *file; /* fd targets */
	__s32 fd;
	__u32 flags;       /* open flags, AT_* or RENAME_* */
	__u16 syscall;
	__u16 op;
	__u16 sides;       /* name targets: 1 or 2 */
	__u16 pad;
	struct call_side side[2];
};

/* A plain hash: when full, a call is counted as lost rather than silently
 * evicting another; entries go at the call's exit or the thread's. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32); /* tid */
	__type(value, struct file_call);
} fim_calls SEC(".maps");

static __always_inline bool is_open(long nr)
{
	return nr == NR_OPEN || nr == NR_OPENAT || nr == NR_CREAT || nr == NR_OPENAT2;
}

/* A watched file open for writing (or reading, for file_accesses): its state at
 * open, or at the last report, to tell at close whether it changed. */
struct open_file {
	__u64 ino;
	__s64 size;
	__s64 mtime_ns;
	__s64 ctime_ns;
	__s64 atime_ns;
	__s64 pos;
	__u32 owner;       /* tgid that opened it */
	__u32 open_flags;
	__u32 f_mode;
	__u16 syscall;
	__u16 flags;       /* VJ_FF_TRUNCATED until reported; OF_CLOSED */
	struct vj_file_side match;
};

/* An entry kept after its file's last close, for the next open of the same struct
 * file to fill in place (see forget): nothing is remembered by it. */
#define OF_CLOSED 0x8000

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64); /* struct file * */
	__type(value, struct open_file);
} fim_files SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct open_file);
} open_scratch SEC(".maps");

/* What a task keeps about fim_files. Task storage, not a hash by pid: the
 * lookup is a slot in the task, a thread's entry goes with it, and in a
 * single-threaded process one entry serves both uses. */
struct file_task {
	__u64 closed_key; /* the closed entry this thread keeps (see forget) */
	__u32 held;       /* on a process's leader: the live entries it owns; an exit
			   * looks through fim_files only when there are some */
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct file_task);
} file_tasks SEC(".maps");

/* ---- reading the kernel's objects ---- */

static __always_inline void dentry_key(struct dentry *d, struct vj_fim_key *k)
{
	struct inode *inode = VJ_BTF(struct dentry, d)->d_inode;
	k->ino = inode->i_ino;
	k->dev = inode->i_sb->s_dev;
	k->name_hash = 0;
}

/* Since 6.13 the top bit of i_ctime_nsec says whether someone read the ctime
 * (multigrain timestamps): a stat() between open and close must not look like
 * a change, so that bit is dropped. */
#define NSEC_MASK 0x3fffffffu

static __always_inline __s64 inode_time(__s64 sec, __u32 nsec)
{
	return sec * 1000000000LL + (nsec & NSEC_MASK);
}

/* Size, times and position of an open file, as compared at close. */
/* Size, times and position of an open file, as compared at close (direct loads:
 * see fill_inode). */
static __always_inline void file_state(struct file *raw, struct open_file *st)
{
	struct file *file = VJ_BTF(struct file, raw);
	struct inode *inode = file->f_inode;
	st->ino = inode->i_ino;
	st->size = inode->i_size;
	st->pos = file->f_pos;
	if (bpf_core_field_exists(inode->i_mtime_sec)) {
		st->mtime_ns = inode_time(inode->i_mtime_sec, inode->i_mtime_nsec);
		st->ctime_ns = inode_time(inode->i_ctime_sec, inode->i_ctime_nsec);
		st->atime_ns = inode_time(inode->i_atime_sec, inode->i_atime_nsec);
	}
}

/* Whether this is the file's only reference: closing it releases the file. */
static __always_inline bool last_reference(struct file *file)
{
	if (bpf_core_field_exists(file->f_ref))
		return VJ_BTF(struct file, file)->f_ref.refcnt.counter <= 0;
	struct file___old *old = (void *)file;
	return BPF_CORE_READ(old, f_count.counter) <= 1;
}

/* ---- the filter ---- */

/* Up a dentry chain (crossing mounts) looking for a watch root. The walk's
 * state lives in map memory: there the verifier does not follow the level's
 * exact value, so it checks the step once instead of once per level. */
struct chain_walk {
	__u64 dentry;         /* struct dentry * */
	__u64 mnt;            /* struct vfsmount * */
	__u32 level;          /* of dentry below the start */
	__u32 min_level;      /* roots below this level do not count */
	__u32 recursive_only;
	__u32 matched;
	__u32 done;
	__u32 pad;
	struct vj_fim_key root;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct chain_walk);
} chain_state SEC(".maps");

struct chain_ref {
	struct chain_walk *w;
};

/*
 * One level up. Roots are directories of a file system, so the walk follows the
 * file system's own parents first (a bind mount's root, such as a container's
 * volume, leads on into the directory it shows); at the top of a file system it
 * continues at the mount point, one mount up, which is the same level. Returns
 * false at the very top.
 */
static __always_inline bool level_up(__u64 *dentry, __u64 *mnt, bool *same_level)
{
	struct dentry *d = (struct dentry *)*dentry;
	struct dentry *parent = VJ_BTF(struct dentry, d)->d_parent;
	*same_level = false;
	if (parent && parent != d) {
		*dentry = (__u64)parent;
		return true;
	}
	struct mount *m = real_mount((struct vfsmount *)*mnt);
	struct mount *mount = VJ_BTF(struct mount, m);
	struct mount *up = mount->mnt_parent;
	if (!up || up == m)
		return false;
	*dentry = (__u64)mount->mnt_mountpoint;
	*mnt = (__u64)up + bpf_core_field_offset(struct mount, mnt);
	*same_level = true;
	return true;
}

static long chain_step(__u32 i, struct chain_ref *ref)
{
	struct chain_walk *w = ref->w;
	struct dentry *d = (struct dentry *)w->dentry;
	if (w->level >= w->min_level) {
		struct vj_fim_key k;
		dentry_key(d, &k);
		struct vj_fim_value *root = bpf_map_lookup_elem(&fim_roots, &k);
		if (root && ((root->flags & VJ_ROOT_RECURSIVE) || (!w->recursive_only && w->level == 1))) {
			w->matched = 1;
			w->root = k;
			goto done;
		}
	}
	bool same_level;
	if (!level_up(&w->dentry, &w->mnt, &same_level))
		goto done;
	if (!same_level)
		w->level++;
	return 0;
done:
	w->done = 1;
	return 1;
}

/*
 * What the chain walk found for a directory: every file in it gets the same
 * answer, so opens outside the watched trees cost one lookup instead of a walk
 * up to /. Keyed by the dentry and its inode's number and generation, so a
 * recycled dentry is not taken for the old one.
 */
struct verdict_key {
	__u64 dentry;
	__u64 ino;
	__u32 generation;
	__u32 pad;
};

struct verdict {
	__u32 fim_generation;
	__u32 watched;
	__u32 depth;   /* of the root above the directory (0: the directory is the root) */
	__u32 pad;
	struct vj_fim_key root;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct verdict_key);
	__type(value, struct verdict);
} dir_verdicts SEC(".maps");

static __always_inline bool walk_chain(struct path *start, __u32 min_level, bool recursive_only,
				       struct vj_file_side *m, bool *conclusive);

/* The key and value being built, off the stack (the exit program's stack is full),
 * and the CPU's last verdict: opens come in runs from one directory, and a run then
 * costs no hash lookup. */
struct verdict_scratch {
	struct verdict_key key;
	struct verdict value;
	struct verdict_key last_key;
	struct verdict last;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct verdict_scratch);
} verdict_state SEC(".maps");

/* Whether a file whose f_path is `file` lies in a watched tree (depth counted from it). */
static __always_inline bool match_file(struct path *file, struct vj_file_side *m)
{
	__u32 zero = 0;
	struct verdict_scratch *vs = bpf_map_lookup_elem(&verdict_state, &zero);
	struct dentry *d = file->dentry;
	struct dentry *dir = VJ_BTF(struct dentry, d)->d_parent;
	bool cacheable = vs && dir && dir != d;
	/* read before the maps the verdict comes from: a verdict is never filed under a
	 * newer generation than the watch set it was made from */
	__u32 generation = fim_generation;
	if (cacheable) {
		struct inode *inode = VJ_BTF(struct dentry, dir)->d_inode;
		vs->key.dentry = (__u64)dir;
		vs->key.ino = inode->i_ino;
		vs->key.generation = inode->i_generation;
		vs->key.pad = 0;
		bool last = vs->last_key.dentry == vs->key.dentry && vs->last_key.ino == vs->key.ino &&
			    vs->last_key.generation == vs->key.generation;
		struct verdict *known = last ? &vs->last : bpf_map_lookup_elem(&dir_verdicts, &vs->key);
		if (known && known->fim_generation == generation) {
			if (!last) {
				vs->last_key = vs->key;
				vs->last = *known;
			}
			if (!known->watched)
				return false;
			m->root_ino = known->root.ino;
			m->root_dev = known->root.dev;
			m->depth = known->depth + 1;
			m->flags |= VJ_SF_WATCHED;
			return true;
		}
	}
	bool conclusive = false;
	bool watched = walk_chain(file, 1, false, m, &conclusive);
	if (cacheable && conclusive) {
		__builtin_memset(&vs->value, 0, sizeof(vs->value));
		vs->value.fim_generation = generation;
		vs->value.watched = watched;
		if (watched) {
			vs->value.depth = m->depth - 1;
			vs->value.root.ino = m->root_ino;
			vs->value.root.dev = m->root_dev;
		}
		bpf_map_update_elem(&dir_verdicts, &vs->key, &vs->value, BPF_ANY);
		vs->last_key = vs->key;
		vs->last = vs->value;
	}
	return watched;
}

static __always_inline bool match_chain(struct path *start, __u32 min_level, bool recursive_only,
					struct vj_file_side *m)
{
	bool conclusive;
	return walk_chain(start, min_level, recursive_only, m, &conclusive);
}

static __always_inline bool walk_chain(struct path *start, __u32 min_level, bool recursive_only,
				       struct vj_file_side *m, bool *conclusive)
{
	__u32 zero = 0;
	struct chain_ref ref = {.w = bpf_map_lookup_elem(&chain_state, &zero)};
	struct chain_walk *w = ref.w;
	if (!w)
		return false;
	__builtin_memset(w, 0, sizeof(*w));
	w->dentry = (__u64)start->dentry;
	w->mnt = (__u64)start->mnt;
	w->min_level = min_level;
	w->recursive_only = recursive_only;
	if (!w->dentry || !w->mnt)
		return false;
	bpf_loop(VJ_FIM_DEPTH * 2, chain_step, &ref, 0);
	*conclusive = w->done;
	if (!w->done)
		count(VJ_STAT_FILE_TOO_DEEP);
	if (!w->matched)
		return false;
	m->root_ino = w->root.ino;
	m->root_dev = w->root.dev;
	m->depth = w->level;
	m->flags |= VJ_SF_WATCHED;
	return true;
}

/* Along a name from its base directory, through fim_steps, looking for a root. */
struct name_walk {
	__u8 *name;
	__u32 len;            /* without trailing slashes */
	__u32 start;          /* of the current component */
	__u32 hash;
	__u32 comps;          /* components passed */
	struct dentry *dentry; /* the current directory, until a step is taken */
	struct vfsmount *mnt;
	struct vj_fim_key key; /* the current directory after a step */
	bool by_key;
	int verdict;          /* 1 watched, -1 not, 0 undecided */
	bool root_known;
	struct vj_fim_key root;
};

static long name_end(__u32 i, struct name_walk *w)
{
	if (w->name[i & NAME_MASK] != '/')
		w->len = i + 1;
	return 0;
}

static long name_step(__u32 i, struct name_walk *w)
{
	if (i < w->len) {
		__u8 c = w->name[i & NAME_MASK];
		if (c != '/') {
			w->hash = (w->hash ^ c) * VJ_FNV_PRIME;
			return 0;
		}
	}
	__u32 first = w->start, len = i - w->start, hash = w->hash;
	bool last = i >= w->len;
	w->start = i + 1;
	w->hash = VJ_FNV_OFFSET;
	if (len == 0)
		goto next;
	w->comps++;
	if (len == 1 && w->name[first & NAME_MASK] == '.')
		goto next;
	if (len == 2 && w->name[first & NAME_MASK] == '.' && w->name[(first + 1) & NAME_MASK] == '.') {
		struct dentry *d = w->dentry;
		struct vfsmount *mnt = w->mnt;
		struct dentry *parent = VJ_BTF(struct dentry, d)->d_parent;
		if (w->by_key || d == parent || d == VJ_BTF(struct vfsmount, mnt)->mnt_root) {
			/* above a step or a mount: let user space resolve it */
			w->verdict = 1;
			return 1;
		}
		w->dentry = parent;
		goto next;
	}
	struct vj_fim_key cur = w->key;
	if (!w->by_key)
		dentry_key(w->dentry, &cur);
	struct vj_fim_value *root = bpf_map_lookup_elem(&fim_roots, &cur);
	if (root && ((root->flags & VJ_ROOT_RECURSIVE) || last)) {
		w->verdict = 1;
		w->root_known = true;
		w->root = cur;
		w->comps--; /* this component lies below the root */
		return 1;
	}
	if (last) {
		w->verdict = -1;
		return 1;
	}
	cur.name_hash = hash;
	struct vj_fim_value *step = bpf_map_lookup_elem(&fim_steps, &cur);
	if (!step) {
		w->verdict = -1;
		return 1;
	}
	w->key.ino = step->ino;
	w->key.dev = step->dev;
	w->key.name_hash = 0;
	w->by_key = true;
next:
	return last ? 1 : 0;
}

/* The directory a name starts from: the root for an absolute name, else the cwd
 * or dirfd's directory. Reads the name into buf; false if it cannot be read. */
static __always_inline bool name_base(int dirfd, const char *uname, __u8 *buf, __u32 *len,
				      struct path *base)
{
	long n = bpf_probe_read_user_str(buf, VJ_PATH_MAX, uname);
	if (n <= 0)
		return false;
	*len = n - 1;
	struct task_struct *task = bpf_get_current_task_btf();
	if (buf[0] == '/')
		*base = task->fs->root;
	else if (dirfd == AT_FDCWD)
		*base = task->fs->pwd;
	else {
		struct file *file = fd_file(dirfd);
		if (!file)
			return false;
		*base = VJ_BTF(struct file, file)->f_path;
	}
	return true;
}

/* Whether base + name lies in a watched tree; fills side. */
static __always_inline bool match_name(int dirfd, const char *uname, __u8 *buf, struct call_side *side)
{
	__u32 len = 0;
	if (!name_base(dirfd, uname, buf, &len, &side->base))
		return false;
	side->name = uname;
	if (match_chain(&side->base, 0, true, &side->match))
		return true;
	struct name_walk w = {
		.name = buf,
		.dentry = side->base.dentry,
		.mnt = side->base.mnt,
		.hash = VJ_FNV_OFFSET,
	};
	if (len > NAME_MASK)
		len = NAME_MASK;
	bpf_loop(len, name_end, &w, 0);
	bpf_loop(w.len + 1, name_step, &w, 0);
	if (w.verdict <= 0)
		return false;
	side->match.flags |= VJ_SF_WATCHED;
	if (w.root_known) {
		side->match.root_ino = w.root.ino;
		side->match.root_dev = w.root.dev;
		side->match.name_skip = w.comps;
		side->match.flags |= VJ_SF_ROOT_BY_NAME;
	}
	return true;
}

/* ---- building records ---- */

static __always_inline struct vj_file *new_file_record(struct scratch *s, __u16 op, __u16 syscall)
{
	struct vj_file *e = (struct vj_file *)s->data;
	__builtin_memset(e, 0, sizeof(*e));
	e->h.family = VJ_FAMILY_FILE;
	e->h.op = op; /* stamped by submit */
	e->syscall = syscall;
	e->fd = -1;
	return e;
}

/*
 * The caller and the inode are read with direct loads: the task comes from
 * bpf_get_current_task_btf() and the inode is cast to its kernel type, so the
 * verifier turns each field into a fault-safe load instead of a helper call
 * (the close of a watched file reads some thirty fields).
 */
static __always_inline void fill_caller(struct vj_file *e)
{
	VJ_FILL_CALLER(e);
	struct task_struct *task = bpf_get_current_task_btf();
	const struct cred *cred = task->real_cred;
	e->euid = cred->euid.val;
	e->egid = cred->egid.val;
	e->auid = bpf_core_field_exists(task->loginuid) ? task->loginuid.val : (__u32)-1;
}

static __always_inline void fill_inode(struct vj_file *e, struct inode *raw)
{
	if (!raw)
		return;
	struct inode *inode = VJ_BTF(struct inode, raw);
	e->ino = inode->i_ino;
	e->dev = inode->i_sb->s_dev;
	e->mode = inode->i_mode;
	e->file_uid = inode->i_uid.val;
	e->file_gid = inode->i_gid.val;
	e->size = inode->i_size;
	if (bpf_core_field_exists(inode->i_mtime_sec)) {
		e->mtime_ns = inode_time(inode->i_mtime_sec, inode->i_mtime_nsec);
		e->ctime_ns = inode_time(inode->i_ctime_sec, inode->i_ctime_nsec);
		e->atime_ns = inode_time(inode->i_atime_sec, inode->i_atime_nsec);
	}
	e->flags |= VJ_FF_HAS_INODE;
}

/* The variable parts (path, name, levels per side) each take at most VJ_PATH_MAX. */
#define VAR_LAST (sizeof(struct vj_file) + 5 * VJ_PATH_MAX) /* six parts at most */

/* plain_names: how many of the path's names, leaf first, came before a mount crossing */
static __always_inline __u32 append_path(struct scratch *s, __u32 off, struct path *path,
					 struct vj_file_side *side, __u32 *plain_names)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct path root = task->fs->root;
	*plain_names = 0;
	if (off > VAR_LAST)
		return off;
	__u32 n = read_path_plain(s->data, off, path, &root, &side->flags, VJ_SF_PATH_TRUNCATED,
				  VJ_SF_PATH_FAULT, plain_names);
	if (n > VJ_PATH_MAX)
		n = VJ_PATH_MAX;
	side->path_len = n;
	if (dentry_unlinked(path->dentry))
		side->flags |= VJ_SF_PATH_DELETED;
	return off + n;
}

static __always_inline __u32 append_name(struct scratch *s, __u32 off, const char *uname,
					 struct vj_file_side *side)
{
	if (!uname || off > VAR_LAST)
		return off;
	long n = bpf_probe_read_user_str(s->data + off, VJ_PATH_MAX, uname);
	if (n <= 0) {
		side->flags |= VJ_SF_NAME_FAULT;
		return off;
	}
	side->name_len = n - 1; /* without the NUL */
	return off + side->name_len;
}

static __always_inline void send_file(struct vj_file *e, __u32 size)
{
	__u64 n = VJ_ALIGN8((__u64)size);
	VJ_CLAMP(n, VJ_RECORD_MAX); /* sizes from append_call_side have no known bound */
	e->h.size = n;
	submit(e, n, VJ_STAT_SENT_FILE);
}

/* The names of the levels between a file and its watch root, leaf first, walked
 * as the filter walked (so a container's volume gives the directories of the
 * watched tree, not the container's mount point). */
struct names_walk {
	__u64 dentry;
	__u64 mnt;
	__u64 buf;   /* the scratch record */
	__u32 off;   /* where the next name goes */
	__u32 len;
	__u32 levels; /* still to write */
	__u32 fault;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct names_walk);
} names_state SEC(".maps");

struct names_ref {
	struct names_walk *w;
	struct scratch *s;
};

static long name_level(__u32 i, struct names_ref *ref)
{
	struct names_walk *w = ref->w;
	if (w->levels == 0)
		return 1;
	struct dentry *d = VJ_BTF(struct dentry, (void *)w->dentry);
	if (d != d->d_parent) { /* a file system's top has no name of its own */
		__u32 at = w->off + w->len;
		if (w->len > VJ_PATH_MAX - VJ_NAME_MAX || at > VAR_LAST) {
			w->fault = 1;
			return 1;
		}
		long n = bpf_probe_read_kernel_str(ref->s->data + at, VJ_NAME_MAX, d->d_name.name);
		if (n <= 0) {
			w->fault = 1;
			return 1;
		}
		w->len += n;
	}
	bool same_level;
	if (!level_up(&w->dentry, &w->mnt, &same_level))
		return 1;
	if (!same_level)
		w->levels--;
	return 0;
}

static __always_inline __u32 append_levels(struct scratch *s, __u32 off, struct path *path,
					   struct vj_file_side *side)
{
	__u32 zero = 0;
	struct names_ref ref = {.w = bpf_map_lookup_elem(&names_state, &zero), .s = s};
	struct names_walk *w = ref.w;
	if (!w || off > VAR_LAST)
		return off;
	w->dentry = (__u64)path->dentry;
	w->mnt = (__u64)path->mnt;
	w->off = off;
	w->len = 0;
	w->levels = side->depth;
	w->fault = 0;
	bpf_loop(VJ_FIM_DEPTH * 2, name_level, &ref, 0);
	__u32 len = w->len > VJ_PATH_MAX ? VJ_PATH_MAX : w->len;
	side->levels_len = len;
	side->flags |= VJ_SF_LEVELS | (w->fault ? VJ_SF_PATH_FAULT : 0);
	return off + len;
}

/*
 * A row about an open file: its path from the kernel, its inode after the call.
 * A global function, so the verifier checks it once, by itself, with any
 * arguments: inlined, it was checked again inside every loop callback that sends
 * one until their states converged, and file_exit_process took 3.3 s to load.
 * A BPF function takes five arguments: see send_fd_event for the packing.
 */
__noinline int send_fd_row(__u64 file, __u64 kind, __u64 fd_and_flags, long ret, struct vj_file_side *match)
{
	__u16 op = kind, syscall = kind >> 16, flags = kind >> 32;
	int fd = (__s32)fd_and_flags;
	__u32 open_flags = fd_and_flags >> 32;
	struct scratch *s = cpu_scratch();
	if (!s || !match) {
		count(VJ_STAT_FAULT_TASK);
		return 0;
	}
	struct vj_file *e = new_file_record(s, op, syscall);
	fill_caller(e);
	struct file *f = VJ_BTF(struct file, (void *)file);
	fill_inode(e, f->f_inode);
	e->fd = fd;
	e->ret = ret;
	e->open_flags = open_flags;
	e->f_mode = f->f_mode;
	e->flags |= flags;
	e->side[0] = *match;
	struct path path = f->f_path;
	__u32 plain_names;
	__u32 off = append_path(s, sizeof(*e), &path, &e->side[0], &plain_names);
	/* The levels up to the root are the path's own last names unless the path
	 * crossed a mount below the root (a bind mount, a container's volume): only
	 * then are they walked again, the watched tree's way (user space takes the
	 * path's names when there are no levels). */
	if (plain_names < match->depth)
		off = append_levels(s, off, &path, &e->side[0]);
	send_file(e, off);
	return 0;
}

static __always_inline void send_fd_event(struct file *file, __u16 op, __u16 syscall, int fd, long ret,
					  __u32 open_flags, __u16 flags, struct vj_file_side *match)
{
	send_fd_row((__u64)file, op | (__u64)syscall << 16 | (__u64)flags << 32,
		    (__u32)fd | (__u64)open_flags << 32, ret, match);
}

/* ---- opens and closes ---- */

/*
 * A syscall tracepoint's record holds only its own syscall's arguments, and the
 * kernel refuses to attach a program whose direct ctx reads reach past the
 * shortest record it is attached to (rmdir has one argument). file_enter
 * serves many syscalls, so arguments are copied with a helper instead.
 */
static __always_inline void read_args(struct trace_event_raw_sys_enter *ctx, unsigned long *a, __u32 size)
{
	bpf_probe_read_kernel(a, size, &ctx->args[0]);
}

/* The current process's count of live fim_files entries goes up (an open) or
 * down (a release). An entry released by another process than its owner (a
 * descriptor handed over) leaves the owner's count high: its exit then looks
 * through fim_files for nothing, where a count too low would skip a release. */
static __always_inline void hold(__u32 owner, int delta)
{
	struct task_struct *task = bpf_get_current_task_btf();
	if (owner != task->tgid)
		return;
	struct file_task *t = bpf_task_storage_get(&file_tasks, task->group_leader, 0,
						   delta > 0 ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
	if (t && (delta > 0 || t->held > 0))
		__sync_fetch_and_add(&t->held, delta); /* the process's threads on other CPUs too */
	else if (delta > 0)
		count(VJ_STAT_FILE_UNTRACKED); /* its exit may skip this file */
}

/* Whether the root a file was matched to has a category reporting OPENED/ACCESSED
 * (no lookup when no root has one). */
static __always_inline bool root_reports_accesses(struct vj_file_side *match)
{
	if (!fim_accesses)
		return false;
	struct vj_fim_value *root = bpf_map_lookup_elem(&fim_roots, &(struct vj_fim_key){
		.ino = match->root_ino, .dev = match->root_dev});
	return root && (root->flags & VJ_ROOT_ACCESSES);
}

/* An open's flags, at its exit: O_TRUNC is gone from the file's by then. */
static __always_inline __u32 open_call_flags(__u16 syscall)
{
	struct pt_regs *regs = syscall_regs();
	switch (syscall) {
	case NR_OPEN:
		return regs->si;
	case NR_CREAT:
		return O_CREAT | O_WRONLY | O_TRUNC;
	case NR_OPENAT:
		return regs->dx;
	default: { /* openat2: the flags of its struct open_how, still in the caller's memory */
		__u64 how_flags = 0;
		bpf_probe_read_user(&how_flags, sizeof(how_flags), (void *)regs->dx);
		return how_flags;
	}
	}
}

/* An open is judged at its exit only, on the file it made: no enter program, so
 * the machine's opens pay one program each (and only this check when the file
 * is not written, created or watched for accesses). */
static __always_inline void open_done(long ret, __u16 syscall)
{
	struct file *file = fd_file(ret);
	if (!file)
		return;
	struct file *f = VJ_BTF(struct file, file);
	__u32 f_mode = f->f_mode;
	bool writing = f_mode & FMODE_WRITE, created = f_mode & FMODE_CREATED;
	if ((f_mode & FMODE_PATH) || (!writing && !created && !fim_accesses))
		return;
	struct vj_file_side match = {};
	struct path path = f->f_path;
	if (!match_file(&path, &match))
		return;
	bool accesses = root_reports_accesses(&match);
	if (!writing && !created && !accesses)
		return;
	__u32 open_flags = open_call_flags(syscall);
	__u16 flags = created ? VJ_FF_CREATED : 0;
	if (created || accesses)
		send_fd_event(file, created ? VJ_OP_FILE_CREATED : VJ_OP_FILE_OPENED, syscall, ret, ret,
			      open_flags, flags, &match);
	if (!writing && !accesses)
		return;
	/* built off the stack: the exit program's is nearly full */
	__u32 zero = 0;
	struct open_file *of = bpf_map_lookup_elem(&open_scratch, &zero);
	if (!of)
		return;
	__builtin_memset(of, 0, sizeof(*of));
	of->owner = bpf_get_current_pid_tgid() >> 32;
	of->open_flags = open_flags;
	of->f_mode = f_mode;
	of->syscall = syscall;
	of->match = match;
	file_state(file, of);
	if (writing && (open_flags & O_TRUNC) && !created)
		of->flags |= VJ_FF_TRUNCATED;
	__u64 key = (__u64)file;
	struct open_file *kept = bpf_map_lookup_elem(&fim_files, &key);
	if (kept) {
		/* Filled in place, the closed mark cleared last: a close racing this open
		 * on another thread skips the entry rather than read it half written. */
		__u16 live_flags = of->flags;
		of->flags |= OF_CLOSED;
		__builtin_memcpy(kept, of, sizeof(*of));
		asm volatile("" ::: "memory");
		kept->flags = live_flags;
	} else if (bpf_map_update_elem(&fim_files, &key, of, BPF_ANY)) {
		count(VJ_STAT_FILE_UNTRACKED);
		return;
	}
	hold(of->owner, 1);
}

static __always_inline void drop_if_closed(__u64 key)
{
	struct open_file *of = bpf_map_lookup_elem(&fim_files, &key);
	if (of && (of->flags & OF_CLOSED))
		bpf_map_delete_elem(&fim_files, &key);
}

/*
 * A file's last reference went: its entry is marked closed rather than deleted.
 * The next open of the same struct file (the slab hands it straight back to a
 * process that opens and closes in a loop) then fills it in place: a lookup
 * instead of an update and a delete per open-close. Each thread keeps one such
 * entry; the one before goes when it forgets another, the last with the thread.
 */
static __always_inline void forget(__u64 key, struct open_file *of, __u16 syscall)
{
	struct file_task *slot = NULL;
	if (syscall != VJ_FILE_BY_EXIT)
		slot = bpf_task_storage_get(&file_tasks, bpf_get_current_task_btf(), 0,
					    BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!slot) {
		bpf_map_delete_elem(&fim_files, &key);
		return;
	}
	of->flags |= OF_CLOSED;
	__u64 previous = slot->closed_key;
	slot->closed_key = key;
	if (previous && previous != key)
		drop_if_closed(previous);
}

/* A descriptor of a remembered file goes away: report a change since the open
 * (or the last report), and forget the file with its last reference. */
static __always_inline void release(struct file *file, __u16 syscall, int fd)
{
	__u64 key = (__u64)file;
	struct open_file *of = bpf_map_lookup_elem(&fim_files, &key);
	if (!of || (of->flags & OF_CLOSED))
		return;
	bool last = last_reference(file);
	struct open_file now = {};
	file_state(file, &now);
	if (now.ino != of->ino) { /* a stale entry for a reused struct file */
		hold(of->owner, -1);
		bpf_map_delete_elem(&fim_files, &key);
		return;
	}
	bool write_only = (of->open_flags & O_ACCMODE) == O_WRONLY;
	bool moved = now.pos != of->pos;
	bool written = (of->f_mode & FMODE_WRITE) &&
		       ((of->flags & VJ_FF_TRUNCATED) || now.size != of->size ||
			now.mtime_ns != of->mtime_ns || now.ctime_ns != of->ctime_ns || (write_only && moved));
	bool read = !written && (of->f_mode & FMODE_READ) && (moved || now.atime_ns != of->atime_ns);
	if (written || (read && root_reports_accesses(&of->match))) {
		struct vj_file_side match = of->match;
		__u32 open_flags = of->open_flags;
		__u16 flags = (of->flags & VJ_FF_TRUNCATED) | (last ? VJ_FF_LAST_CLOSE : 0);
		send_fd_event(file, written ? VJ_OP_FILE_UPDATED : VJ_OP_FILE_ACCESSED, syscall, fd, 0,
			      open_flags, flags, &match);
	}
	if (last) {
		hold(of->owner, -1);
		forget(key, of, syscall);
		return;
	}
	of->size = now.size;
	of->mtime_ns = now.mtime_ns;
	of->ctime_ns = now.ctime_ns;
	of->atime_ns = now.atime_ns;
	of->pos = now.pos;
	of->flags &= ~VJ_FF_TRUNCATED;
}

static __always_inline void release_fd(int fd, __u16 syscall)
{
	struct file *raw = fd_file(fd);
	if (!raw)
		return;
	/* Only files open for writing are remembered (and, with file_accesses, others): the
	 * machine's closes of read-only files skip the map lookup. So do sockets, open for
	 * writing but never opened by name (open() of a socket file fails). */
	struct file *f = VJ_BTF(struct file, raw);
	if ((fim_accesses || (f->f_mode & FMODE_WRITE)) && !file_is_socket(f))
		release(raw, syscall, fd);
}

/* close(fd), and dup2/dup3 closing what newfd held. */
SEC("tracepoint")
int file_close(struct trace_event_raw_sys_enter *ctx)
{
	long nr = ctx->id;
	int fd = ctx->args[0]; /* close's only argument: a direct read is allowed */
	if (nr == NR_DUP2 || nr == NR_DUP3) {
		int newfd = syscall_regs()->si;
		if (fd == newfd)
			return 0;
		fd = newfd;
	}
	release_fd(fd, nr);
	return 0;
}

/* Files a process still holds when its last thread exits are released right
 * after this tracepoint; up to this many per exit are reported. */
#define EXIT_RELEASES 16

struct bpf_map;

struct exit_scan {
	__u32 tgid;
	__u32 n;
	__u64 files[EXIT_RELEASES];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct exit_scan);
} exit_state SEC(".maps");

struct exit_ref {
	struct exit_scan *scan;
};

static long collect_owned(struct bpf_map *map, __u64 *key, struct open_file *of, struct exit_ref *ref)
{
	struct exit_scan *scan = ref->scan;
	if (of->owner != scan->tgid || (of->flags & OF_CLOSED))
		return 0;
	__u32 n = scan->n;
	if (n >= EXIT_RELEASES) {
		count(VJ_STAT_FILE_UNTRACKED); /* its changes, if any, go unreported */
		return 0;
	}
	asm volatile("%0 &= 15" : "+r"(n)); /* EXIT_RELEASES - 1, kept for the verifier */
	scan->files[n] = *key;
	scan->n = n + 1;
	return 0;
}

static long release_one(__u32 i, struct exit_ref *ref)
{
	struct exit_scan *scan = ref->scan;
	if (i >= scan->n || i >= EXIT_RELEASES)
		return 1;
	__u32 at = i;
	asm volatile("%0 &= 15" : "+r"(at)); /* EXIT_RELEASES - 1, kept for the verifier */
	struct file *file = (struct file *)scan->files[at];
	release(file, VJ_FILE_BY_EXIT, -1);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(file_exit_process, struct task_struct *task)
{
	__u32 tid = BPF_CORE_READ(task, pid);
	/* a thread killed inside a call; a lookup first: a delete takes the bucket's
	 * lock even for a key that is not there, and nearly every exit has none */
	if (bpf_map_lookup_elem(&fim_calls, &tid))
		bpf_map_delete_elem(&fim_calls, &tid);
	struct file_task *slot = bpf_task_storage_get(&file_tasks, task, 0, 0);
	if (slot && slot->closed_key)
		drop_if_closed(slot->closed_key);
	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return 0;
	__u32 tgid = BPF_CORE_READ(task, tgid);
	struct file_task *leader = bpf_task_storage_get(&file_tasks, task->group_leader, 0, 0);
	if (!leader || !leader->held)
		return 0;
	__u32 zero = 0;
	struct exit_ref ref = {.scan = bpf_map_lookup_elem(&exit_state, &zero)};
	if (!ref.scan)
		return 0;
	ref.scan->tgid = tgid;
	ref.scan->n = 0;
	bpf_for_each_map_elem(&fim_files, collect_owned, &ref, 0);
	bpf_loop(EXIT_RELEASES, release_one, &ref, 0);
	return 0;
}

/* Bias on a count handed over at an exec: never back to zero (see file_exec). */
#define HELD_STICKY (1u << 30)

/*
 * An exec by a thread other than the leader makes that thread the leader
 * (de_thread), and the old leader's storage goes with the process's count of
 * live fim_files entries: without it the exit would skip the files the new
 * program inherited. The count moves to the thread at the exec's start, biased
 * so that it stays above zero: opens and closes on the other threads until they
 * are gone still count on the old leader. A failed exec leaves the bias on a
 * thread that is no leader, where it is never read.
 */
SEC("tracepoint")
int file_exec(struct trace_event_raw_sys_enter *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();
	if (task->pid == task->tgid)
		return 0;
	struct file_task *leader = bpf_task_storage_get(&file_tasks, task->group_leader, 0, 0);
	if (!leader || !leader->held)
		return 0;
	struct file_task *heir = bpf_task_storage_get(&file_tasks, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (heir)
		heir->held = HELD_STICKY;
	else
		count(VJ_STAT_FILE_UNTRACKED); /* its exit may skip files still written */
	return 0;
}

/* ---- calls by name or by fd ---- */

/*
 * file_enter first describes the call (which kind, which names) in map memory,
 * then handles it in one place: the verifier then checks each step once, not
 * once per syscall (and a description on the stack would keep each syscall's
 * constants apart and blow its budget).
 */
enum call_kind {
	CALL_NONE = 0,
	CALL_FD,       /* acts on an open file */
	CALL_NAMES,    /* acts on one or two names */
	CALL_MAYBE_FD, /* a name, or with "" + AT_EMPTY_PATH (or NULL) dirfd itself */
};

struct call_request {
	__u32 kind;
	__u32 filter_sides; /* names whose side decides (rename: 2) */
	int dirfd[2];
	const char *name[2];
	bool raw2;          /* name[1] is a symlink's content, not a path */
	bool empty_path;    /* AT_EMPTY_PATH given */
};

struct enter_state {
	struct call_request req;
	struct file_call call;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct enter_state);
} enter_scratch SEC(".maps");

static __always_inline void remember(struct file_call *c)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	if (bpf_map_update_elem(&fim_calls, &tid, c, BPF_ANY))
		count(VJ_STAT_LOST_FILE_INFLIGHT);
}

/* A call on an open file (fchmod, ftruncate, fsetxattr, futimens...). */
static __always_inline void enter_fd(struct file_call *c)
{
	struct file *file = fd_file(c->fd);
	if (!file)
		return;
	struct path path = VJ_BTF(struct file, file)->f_path;
	if (!match_file(&path, &c->side[0].match))
		return;
	if (c->op == VJ_OP_FILE_UPDATED) {
		/* ftruncate of a remembered file: reported with its close */
		__u64 key = (__u64)file;
		struct open_file *of = bpf_map_lookup_elem(&fim_files, &key);
		if (of && !(of->flags & OF_CLOSED)) {
			of->flags |= VJ_FF_TRUNCATED;
			return;
		}
	}
	c->file = file;
	remember(c);
}

struct side_filter {
	struct enter_state *st;
	__u8 *buf;
	bool watched;
};

static long filter_side(__u32 i, struct side_filter *f)
{
	struct enter_state *st = f->st;
	__u32 at = i & 1;
	struct call_side *side = &st->call.side[at];
	side->name = st->req.name[at];
	if (at == 1 && st->req.raw2) {
		side->match.flags = VJ_SF_NAME_RAW;
		return 0;
	}
	if (at < st->req.filter_sides)
		f->watched |= match_name(st->req.dirfd[at], side->name, f->buf, side);
	else
		name_base(st->req.dirfd[at], side->name, f->buf, &(__u32){0}, &side->base);
	return 0;
}

static __always_inline void enter_names(struct enter_state *st, __u8 *buf)
{
	struct side_filter f = {.st = st, .buf = buf};
	__u32 sides = st->call.sides;
	bpf_loop(sides > 2 ? 2 : sides, filter_side, &f, 0);
	if (f.watched)
		remember(&st->call);
}

static __always_inline void enter_call(struct enter_state *st, __u8 *buf)
{
	struct call_request *r = &st->req;
	struct file_call *c = &st->call;
	if (r->kind == CALL_MAYBE_FD) {
		char first = 0;
		bool on_fd = !r->name[0] ||
			     (r->empty_path && !bpf_probe_read_user(&first, 1, r->name[0]) && first == 0);
		r->kind = on_fd ? CALL_FD : CALL_NAMES;
		c->fd = r->dirfd[0];
	}
	switch (r->kind) {
	case CALL_FD:
		enter_fd(c);
		break;
	case CALL_NAMES:
		enter_names(st, buf);
		break;
	}
}

SEC("tracepoint")
int file_enter(struct trace_event_raw_sys_enter *ctx)
{
	__u32 zero = 0;
	struct enter_state *st = bpf_map_lookup_elem(&enter_scratch, &zero);
	struct scratch *s = cpu_scratch();
	if (!st || !s)
		return 0;
	struct call_request *r = &st->req;
	struct file_call *c = &st->call;
	__builtin_memset(st, 0, sizeof(*st));
	long nr = ctx->id;
	unsigned long a[5] = {};
	read_args(ctx, a, sizeof(a));
	c->ktime_ns = bpf_ktime_get_boot_ns();
	c->syscall = nr;
	c->fd = -1;
	c->sides = 1;
	r->kind = CALL_NAMES;
	r->filter_sides = 1;
	r->dirfd[0] = r->dirfd[1] = AT_FDCWD;
	r->name[0] = (const char *)a[0];
	switch (nr) {
	case NR_TRUNCATE:
		c->op = VJ_OP_FILE_UPDATED;
		break;
	case NR_FTRUNCATE:
		r->kind = CALL_FD;
		c->op = VJ_OP_FILE_UPDATED;
		c->fd = a[0];
		break;
	case NR_UNLINK:
	case NR_RMDIR:
		c->op = VJ_OP_FILE_DELETED;
		break;
	case NR_UNLINKAT:
		c->op = VJ_OP_FILE_DELETED;
		c->flags = a[2];
		r->dirfd[0] = a[0];
		r->name[0] = (const char *)a[1];
		break;
	case NR_RENAME:
		c->op = VJ_OP_FILE_MOVED;
		c->sides = r->filter_sides = 2;
		r->name[1] = (const char *)a[1];
		break;
	case NR_RENAMEAT:
	case NR_RENAMEAT2:
		c->op = VJ_OP_FILE_MOVED;
		c->flags = nr == NR_RENAMEAT2 ? a[4] : 0;
		c->sides = r->filter_sides = 2;
		r->dirfd[0] = a[0];
		r->name[0] = (const char *)a[1];
		r->dirfd[1] = a[2];
		r->name[1] = (const char *)a[3];
		break;
	case NR_LINK: /* the new name is side 0, the existing file side 1 */
		c->op = VJ_OP_FILE_CREATED;
		c->sides = 2;
		r->name[0] = (const char *)a[1];
		r->name[1] = (const char *)a[0];
		break;
	case NR_LINKAT:
		c->op = VJ_OP_FILE_CREATED;
		c->flags = a[4];
		c->sides = 2;
		r->dirfd[0] = a[2];
		r->name[0] = (const char *)a[3];
		r->dirfd[1] = a[0];
		r->name[1] = (const char *)a[1];
		break;
	case NR_SYMLINK: /* side 1 carries the link's content */
	case NR_SYMLINKAT:
		c->op = VJ_OP_FILE_CREATED;
		c->sides = 2;
		r->raw2 = true;
		r->name[1] = (const char *)a[0];
		if (nr == NR_SYMLINK) {
			r->name[0] = (const char *)a[1];
		} else {
			r->dirfd[0] = a[1];
			r->name[0] = (const char *)a[2];
		}
		break;
	case NR_MKDIR:
		c->op = VJ_OP_FILE_CREATED;
		break;
	case NR_MKDIRAT:
		c->op = VJ_OP_FILE_CREATED;
		r->dirfd[0] = a[0];
		r->name[0] = (const char *)a[1];
		break;
	case NR_CHMOD:
	case NR_CHOWN:
	case NR_LCHOWN:
	case NR_SETXATTR:
	case NR_LSETXATTR:
	case NR_REMOVEXATTR:
	case NR_LREMOVEXATTR:
	case NR_UTIME:
	case NR_UTIMES:
		c->op = VJ_OP_FILE_ATTRIB;
		break;
	case NR_FCHMOD:
	case NR_FCHOWN:
	case NR_FSETXATTR:
	case NR_FREMOVEXATTR:
		r->kind = CALL_FD;
		c->op = VJ_OP_FILE_ATTRIB;
		c->fd = a[0];
		break;
	case NR_FCHMODAT:
	case NR_FCHMODAT2:
	case NR_FCHOWNAT:
	case NR_FUTIMESAT:
	case NR_UTIMENSAT:
		r->kind = CALL_MAYBE_FD;
		c->op = VJ_OP_FILE_ATTRIB;
		r->dirfd[0] = a[0];
		r->name[0] = (const char *)a[1];
		c->flags = nr == NR_FCHOWNAT ? a[4] : nr == NR_FUTIMESAT ? 0 : a[3];
		r->empty_path = c->flags & AT_EMPTY_PATH;
		break;
	case NR_SETXATTRAT:
	case NR_REMOVEXATTRAT:
		r->kind = CALL_MAYBE_FD;
		c->op = VJ_OP_FILE_ATTRIB;
		r->dirfd[0] = a[0];
		r->name[0] = (const char *)a[1];
		c->flags = a[2];
		r->empty_path = c->flags & AT_EMPTY_PATH;
		break;
	default:
		return 0;
	}
	/* From here on the description is read back from memory. */
	asm volatile("" ::: "memory");
	enter_call(st, s->data);
	return 0;
}

/* One side of a call's row (see send_fd_row for why it is a global function):
 * what it matched, then its base's path, the name as given and the levels up to
 * the root; returns the offset after them. */
__noinline __u32 append_call_side(struct scratch *s, __u32 at, struct call_side *side, struct vj_file_side *out)
{
	__u64 off = at;
	VJ_CLAMP(off, VAR_LAST + 1); /* past VAR_LAST nothing is appended */
	if (!s || !side || !out)
		return off;
	*out = side->match;
	__u32 plain_names;
	if (!(side->match.flags & VJ_SF_NAME_RAW))
		off = append_path(s, off, &side->base, out, &plain_names);
	off = append_name(s, off, side->name, out);
	/* matched on the base directory's chain: the levels from it to the root */
	if (out->root_ino && !(out->flags & (VJ_SF_ROOT_BY_NAME | VJ_SF_NAME_RAW)))
		off = append_levels(s, off, &side->base, out);
	return off;
}

SEC("tracepoint")
int file_exit(struct trace_event_raw_sys_exit *ctx)
{
	long ret = ctx->ret;
	if (is_open(ctx->id)) {
		if (ret >= 0)
			open_done(ret, ctx->id);
		return 0;
	}
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct file_call *c = bpf_map_lookup_elem(&fim_calls, &tid);
	if (!c)
		return 0;
	/* Failed calls changed nothing: no row. */
	if (ret < 0)
		goto out;
	if (c->op == VJ_OP_FILE_MOVED)
		__sync_fetch_and_add(&fim_generation, 1); /* a directory may have moved in or out */
	if (c->file) {
		send_fd_event(c->file, c->op, c->syscall, c->fd, ret, c->flags, 0, &c->side[0].match);
		goto out;
	}
	struct scratch *s = cpu_scratch();
	if (!s) {
		count(VJ_STAT_FAULT_TASK);
		goto out;
	}
	struct vj_file *e = new_file_record(s, c->op, c->syscall);
	fill_caller(e);
	e->ret = ret;
	e->open_flags = c->flags;
	__u32 off = append_call_side(s, sizeof(*e), &c->side[0], &e->side[0]);
	if (c->sides > 1)
		off = append_call_side(s, off, &c->side[1], &e->side[1]);
	send_file(e, off);
out:
	bpf_map_delete_elem(&fim_calls, &tid);
	return 0;
}
