// SPDX-License-Identifier: Apache-2.0
/*
 * Socket family: socket, bind, listen, connect, accept, accept4, shutdown and
 * close of a socket, plus the outcome of a non-blocking connect.
 *
 * Addresses come from the kernel's socket after the call, not from the
 * caller's sockaddr: accept reports the real peer, connect the real local
 * address and port. The loader makes this object share the process object's
 * rings, counters, scratch and cgroup-name maps (bpf_map__reuse_fd), so every
 * family's events merge into one order and a cgroup's name is sent once.
 *
 * close is reported when the call starts: the socket's final state (bytes,
 * addresses) is still there then, and closing a socket fd does not fail in a
 * way that leaves it open.
 */
#include "cgroup.h"
#include "fd.h"

char LICENSE[] SEC("license") = "GPL";

#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10
#define IPPROTO_TCP 6
#define TCP_ESTABLISHED 1
#define TCP_SYN_SENT 2
#define TCP_FIN_WAIT1 4
#define TCP_CLOSE 7
#define TCP_LAST_ACK 9
#define TCP_LISTEN 10
#define RCV_SHUTDOWN 1
#define EINPROGRESS 115
#define O_NONBLOCK 04000
#define MAX_SCHEDULE_TIMEOUT 0x7fffffffffffffffL

/* A socket syscall between its enter and exit (op 0: none). */
struct sock_call {
	__u64 ktime_ns;
	__s32 fd;
	__u16 op;
	__u16 family; /* socket(): the requested family/type/protocol, for a failed call */
	__u16 type;
	__u16 protocol;
	__u16 waits; /* connect(): an outcome waits in connect_pending (see connect_enter) */
};

/* Per thread: a slot in the task itself is refilled by each call, where a hash entry
 * per call cost an LRU insert and delete (five calls per TCP connection). */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct sock_call);
} sock_inflight SEC(".maps");

/* Non-blocking connects waiting for their outcome, with who made them. */
struct connect_wait {
	__u64 ktime_ns;
	__u64 cgroup_id;
	__u64 cgroup_v1_id;
	__u32 pid, tid, ppid, uid, gid;
	__s32 fd;
	__u32 pid_ns, ns_pid;
	char comm[VJ_COMM_LEN];
	/* On loopback the handshake can finish before connect() returns: the outcome
	 * then waits here until the connect row is out, to keep the rows in order. */
	__u64 done_ns;
	__s32 outcome;
	__u8 returned; /* connect() returned EINPROGRESS */
	__u8 done;     /* the handshake finished (outcome valid) */
	__u16 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64); /* struct sock * */
	__type(value, struct connect_wait);
} connect_pending SEC(".maps");

/* Room for one UNIX name (108 bytes), rounded up so masks can bound it. */
#define VJ_UNIX_SLOT 128

struct socket_record {
	struct vj_socket s;
	__u8 paths[2 * VJ_UNIX_SLOT];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct socket_record);
} socket_scratch SEC(".maps");

static __always_inline struct socket_record *new_socket_record(__u16 op)
{
	__u32 zero = 0;
	struct socket_record *r = bpf_map_lookup_elem(&socket_scratch, &zero);
	if (!r)
		return NULL;
	__builtin_memset(&r->s, 0, sizeof(r->s));
	r->s.h.family = VJ_FAMILY_SOCKET;
	r->s.h.op = op; /* stamped when sent (send_socket) */
	return r;
}

/* The struct sock behind an open file, or NULL if it is not a socket. */
static __always_inline struct sock *file_sock(struct file *raw)
{
	if (!raw)
		return NULL;
	/* direct loads: every close() on the machine comes through here */
	struct file *file = VJ_BTF(struct file, raw);
	if (!file_is_socket(file))
		return NULL;
	struct socket *sock = VJ_BTF(struct socket, file->private_data);
	return sock ? sock->sk : NULL;
}

/* The struct sock behind fd in the current task, or NULL if it is not a socket. */
static __always_inline struct sock *fd_sock(int fd)
{
	return file_sock(fd_file(fd));
}

/* A UNIX socket's bound name; returns its length and flags an abstract one. */
static __always_inline __u32 unix_name(struct sock *sk, __u8 *out, __u16 *flags, __u16 abstract_flag)
{
	struct unix_sock *u = (struct unix_sock *)sk;
	struct unix_address *addr = BPF_CORE_READ(u, addr);
	if (!addr)
		return 0;
	int len = BPF_CORE_READ(addr, len) - (int)sizeof(unsigned short);
	if (len <= 0)
		return 0;
	if (len > VJ_UNIX_PATH_MAX)
		len = VJ_UNIX_PATH_MAX;
	const char *path = (const char *)addr + bpf_core_field_offset(struct unix_address, name) +
			   sizeof(unsigned short);
	char first = 0;
	bpf_probe_read_kernel(&first, 1, path);
	if (first == 0) {
		/* Abstract: the name is every byte after the leading NUL (NULs included). */
		*flags |= abstract_flag;
		__u32 n = (len - 1) & (VJ_UNIX_SLOT - 1);
		if (n == 0 || bpf_probe_read_kernel(out, n, path + 1))
			return 0;
		return n;
	}
	/* A path: up to its NUL, which a full sun_path may lack. */
	long n = bpf_probe_read_kernel_str(out, (len + 1) & (VJ_UNIX_SLOT - 1), path);
	return n > 0 ? n - 1 : 0;
}

/* Family, type, protocol, addresses and ports from the kernel socket; returns the size. */
static __always_inline __u32 fill_sock(struct socket_record *r, struct sock *sk)
{
	struct vj_socket *e = &r->s;
	__u32 size = sizeof(*e);
	if (!sk) {
		e->flags |= VJ_SF_NO_SOCKET;
		return size;
	}
	/* A socket's lifetime, and the port a listener closed by exit has already given
	 * back, are worked out in user space from its rows, off the traced task's path:
	 * keeping them here cost a hash insert and delete per socket. */
	e->sock_id = (__u64)sk;
	/* Direct loads (see VJ_BTF), not a helper call per field: five socket rows per TCP
	 * connection come through here. */
	struct sock *s = VJ_BTF(struct sock, sk);
	e->family = s->__sk_common.skc_family;
	e->type = s->sk_type;
	e->protocol = s->sk_protocol;
	e->netns = s->__sk_common.skc_net.net->ns.inum;
	if (e->family == AF_INET || e->family == AF_INET6) {
		e->local_port = s->__sk_common.skc_num;
		e->remote_port = __builtin_bswap16(s->__sk_common.skc_dport);
		if (e->family == AF_INET) {
			__builtin_memcpy(e->local_addr, &s->__sk_common.skc_rcv_saddr, 4);
			__builtin_memcpy(e->remote_addr, &s->__sk_common.skc_daddr, 4);
		} else {
			/* Explicit sizes: BPF_CORE_READ_INTO would copy sizeof(*dst), one byte of an array. */
			bpf_core_read(e->local_addr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
			bpf_core_read(e->remote_addr, 16, &sk->__sk_common.skc_v6_daddr);
		}
	} else if (e->family == AF_UNIX) {
		__u32 n = unix_name(sk, r->paths, &e->flags, VJ_SF_LOCAL_ABSTRACT);
		if (n > VJ_UNIX_PATH_MAX)
			n = VJ_UNIX_PATH_MAX;
		e->local_path_len = n;
		struct sock *peer = BPF_CORE_READ((struct unix_sock *)sk, peer);
		if (peer) {
			__u16 peer_flags = 0;
			__u32 m = unix_name(peer, r->paths + n, &peer_flags, VJ_SF_REMOTE_ABSTRACT);
			e->flags |= peer_flags;
			e->remote_path_len = m;
		}
		size += e->local_path_len + e->remote_path_len;
	}
	return size;
}

static __always_inline void fill_bytes(struct vj_socket *e, struct sock *sk)
{
	if (!sk || (e->family != AF_INET && e->family != AF_INET6) || e->protocol != IPPROTO_TCP)
		return;
	struct tcp_sock *tp = VJ_BTF(struct tcp_sock, sk);
	/* Data bytes only: bytes_sent counts payload (retransmits included); bytes_received
	 * counts the peer's FIN as one more byte, which sk_shutdown shows has arrived. */
	__u64 received = tp->bytes_received;
	if (received && (VJ_BTF(struct sock, sk)->sk_shutdown & RCV_SHUTDOWN))
		received--;
	e->bytes_sent = tp->bytes_sent;
	e->bytes_received = received;
	e->flags |= VJ_SF_HAS_BYTES;
}

/* Submits the record with one clock read, taken last: its time (stamped by submit_at)
 * and its duration since since_ns, unless that is 0. */
static __always_inline void send_socket(struct socket_record *r, __u32 size, __u64 since_ns)
{
	if (size > sizeof(*r))
		size = sizeof(*r);
	r->s.h.size = VJ_ALIGN8(size);
	__u64 now = bpf_ktime_get_boot_ns();
	if (since_ns)
		r->s.duration_ns = now - since_ns;
	submit_at(r, r->s.h.size > sizeof(*r) ? sizeof(*r) : r->s.h.size, VJ_STAT_SENT_SOCKET, now);
}

static __always_inline struct sock_call *enter(__u16 op, int fd, __u16 family, __u16 type, __u16 protocol)
{
	struct sock_call *call = bpf_task_storage_get(&sock_inflight, bpf_get_current_task_btf(), 0,
						      BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!call) {
		count(VJ_STAT_LOST_SOCKET_INFLIGHT);
		return NULL;
	}
	*call = (struct sock_call){
		.ktime_ns = bpf_ktime_get_boot_ns(),
		.fd = fd,
		.op = op,
		.family = family,
		.type = type,
		.protocol = protocol,
	};
	return call;
}

/* The outcome of a non-blocking connect, as the caller saved in connect_pending. */
static __always_inline void send_connect_done(struct connect_wait *wait, struct sock *sk)
{
	struct socket_record *r = new_socket_record(VJ_OP_CONNECT_DONE);
	if (!r) {
		count(VJ_STAT_FAULT_TASK);
		return;
	}
	struct vj_socket *e = &r->s;
	/* Stamped when reported (never before the connect row it follows); the duration is
	 * the handshake's own, from the call to its outcome. */
	e->duration_ns = wait->done_ns - wait->ktime_ns;
	e->cgroup_id = wait->cgroup_id;
	e->cgroup_v1_id = wait->cgroup_v1_id;
	e->pid = wait->pid;
	e->tid = wait->tid;
	e->ppid = wait->ppid;
	e->uid = wait->uid;
	e->gid = wait->gid;
	e->fd = wait->fd;
	e->pid_ns = wait->pid_ns;
	e->ns_pid = wait->ns_pid;
	__builtin_memcpy(e->comm, wait->comm, sizeof(e->comm));
	e->ret = wait->outcome;
	__u32 size = fill_sock(r, sk);
	send_socket(r, size, 0);
}

/* connect() returned: EINPROGRESS waits for (or has) its outcome; anything else is final. */
static __always_inline void connect_returned(struct sock *sk, long ret)
{
	__u64 key = (__u64)sk;
	struct connect_wait *wait = bpf_map_lookup_elem(&connect_pending, &key);
	if (!wait)
		return;
	if (ret != -EINPROGRESS) {
		bpf_map_delete_elem(&connect_pending, &key);
		return;
	}
	if (wait->done) {
		send_connect_done(wait, sk);
		bpf_map_delete_elem(&connect_pending, &key);
		return;
	}
	wait->returned = 1;
}

/*
 * A failed connect leaves no peer on the socket: the row then reports the address the
 * caller asked for, read from its sockaddr when the call returns (connect's second
 * argument, still in the saved registers). Read there, not at the call, because only
 * failures need it, and every successful connect would pay for the copy.
 */
static __always_inline void peer_asked_for(struct vj_socket *e)
{
	const void *addr = (const void *)syscall_regs()->si;
	/* family, port and an IPv4 address in one read (every sockaddr is at least 8 bytes
	 * but AF_UNIX's unnamed one, which has no port or address to keep) */
	struct {
		__u16 family;
		__u16 port;
		__u8 addr4[4];
	} head;
	if (bpf_probe_read_user(&head, sizeof(head), addr) || head.family != e->family)
		return;
	if (head.family == AF_INET)
		__builtin_memcpy(e->remote_addr, head.addr4, 4);
	else if (head.family != AF_INET6 || bpf_probe_read_user(e->remote_addr, 16, addr + 8))
		return;
	e->remote_port = __builtin_bswap16(head.port);
}

static __always_inline int leave(long ret)
{
	struct sock_call *found = bpf_task_storage_get(&sock_inflight, bpf_get_current_task_btf(), 0, 0);
	if (!found || !found->op)
		return 0;
	struct sock_call call = *found;
	found->op = 0;

	struct socket_record *r = new_socket_record(call.op);
	if (!r) {
		count(VJ_STAT_FAULT_TASK);
		return 0;
	}
	struct vj_socket *e = &r->s;
	e->ret = ret;
	VJ_FILL_CALLER(e);
	/* socket() and accept() return the fd the event is about. */
	bool new_fd = call.op == VJ_OP_SOCKET || call.op == VJ_OP_ACCEPT || call.op == VJ_OP_ACCEPT4;
	e->fd = new_fd ? (ret >= 0 ? ret : -1) : call.fd;
	/* A failed accept is still about its listener. */
	int about = e->fd >= 0 ? e->fd : (call.op == VJ_OP_SOCKET ? -1 : call.fd);
	struct sock *sk = about >= 0 ? fd_sock(about) : NULL;
	__u32 size = fill_sock(r, sk);
	if (!sk && call.op == VJ_OP_SOCKET) {
		e->family = call.family; /* a failed socket(): what was asked for */
		e->type = call.type;
		e->protocol = call.protocol;
	}
	if (call.op == VJ_OP_SHUTDOWN)
		fill_bytes(e, sk);
	if (call.op == VJ_OP_CONNECT && e->remote_port == 0)
		peer_asked_for(e);
	send_socket(r, size, call.ktime_ns);
	/* a blocking connect (most) left nothing to look up: a lookup that misses still
	 * hashes the key and walks a bucket */
	if (call.waits && sk)
		connect_returned(sk, ret);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_socket")
int socket_enter(struct trace_event_raw_sys_enter *ctx)
{
	/* type carries SOCK_NONBLOCK/SOCK_CLOEXEC in its high bits */
	enter(VJ_OP_SOCKET, -1, ctx->args[0], ctx->args[1] & 0xf, ctx->args[2]);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_bind")
int bind_enter(struct trace_event_raw_sys_enter *ctx)
{
	enter(VJ_OP_BIND, ctx->args[0], 0, 0, 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_listen")
int listen_enter(struct trace_event_raw_sys_enter *ctx)
{
	enter(VJ_OP_LISTEN, ctx->args[0], 0, 0, 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_connect")
int connect_enter(struct trace_event_raw_sys_enter *ctx)
{
	int fd = ctx->args[0];
	struct sock_call *call = enter(VJ_OP_CONNECT, fd, 0, 0, 0);
	/* Who connects, for the outcome of a connect that returns EINPROGRESS, reported
	 * elsewhere: a non-blocking one, or a blocking one whose SO_SNDTIMEO runs out. Any
	 * other connect's outcome is its return: it needs no entry. */
	struct file *file = fd_file(fd);
	struct sock *sk = file_sock(file);
	struct sock *s = VJ_BTF(struct sock, sk);
	bool may_return_early = sk && ((VJ_BTF(struct file, file)->f_flags & O_NONBLOCK) ||
				       s->sk_sndtimeo != MAX_SCHEDULE_TIMEOUT);
	if (may_return_early && s->sk_protocol == IPPROTO_TCP) {
		struct vj_socket caller = {};
		VJ_FILL_CALLER(&caller);
		struct connect_wait wait = {
			.ktime_ns = bpf_ktime_get_boot_ns(),
			.cgroup_id = caller.cgroup_id,
			.cgroup_v1_id = caller.cgroup_v1_id,
			.pid = caller.pid,
			.tid = caller.tid,
			.ppid = caller.ppid,
			.uid = caller.uid,
			.gid = caller.gid,
			.fd = fd,
			.pid_ns = caller.pid_ns,
			.ns_pid = caller.ns_pid,
		};
		__builtin_memcpy(wait.comm, caller.comm, sizeof(wait.comm));
		__u64 key = (__u64)sk;
		if (bpf_map_update_elem(&connect_pending, &key, &wait, BPF_ANY) == 0 && call)
			call->waits = 1;
	}
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_accept")
int accept_enter(struct trace_event_raw_sys_enter *ctx)
{
	enter(VJ_OP_ACCEPT, ctx->args[0], 0, 0, 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_accept4")
int accept4_enter(struct trace_event_raw_sys_enter *ctx)
{
	enter(VJ_OP_ACCEPT4, ctx->args[0], 0, 0, 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_shutdown")
int shutdown_enter(struct trace_event_raw_sys_enter *ctx)
{
	enter(VJ_OP_SHUTDOWN, ctx->args[0], 0, 0, 0);
	return 0;
}

/* The exit of every socket call but close (reported at its enter): one program,
 * which the loader attaches to each call's sys_exit tracepoint (see socket.c),
 * so the verifier checks it once rather than once per call. */
SEC("tracepoint")
int socket_exit(struct trace_event_raw_sys_exit *ctx) { return leave(ctx->ret); }

/* A close row: the socket's last state (its lifetime is added in user space). */
static __always_inline void send_close(struct socket_record *r, struct sock *sk, int fd)
{
	struct vj_socket *e = &r->s;
	e->fd = fd;
	VJ_FILL_CALLER(e);
	__u32 size = fill_sock(r, sk);
	fill_bytes(e, sk);
	/* Only a TCP socket still in SYN_SENT can have a connect waiting in connect_pending:
	 * the handshake's end takes it out (tcp_state), or connect()'s return does. A delete
	 * takes the bucket's lock even for a key that is not there, a lookup takes none. */
	if (e->protocol == IPPROTO_TCP && VJ_BTF(struct sock, sk)->__sk_common.skc_state == TCP_SYN_SENT) {
		__u64 key = (__u64)sk;
		if (bpf_map_lookup_elem(&connect_pending, &key))
			bpf_map_delete_elem(&connect_pending, &key);
	}
	send_socket(r, size, 0);
}

/* close: only sockets are reported, with their state before the teardown. */
SEC("tracepoint/syscalls/sys_enter_close")
int close_enter(struct trace_event_raw_sys_enter *ctx)
{
	int fd = ctx->args[0];
	struct sock *sk = fd_sock(fd);
	if (!sk)
		return 0;
	struct socket_record *r = new_socket_record(VJ_OP_CLOSE);
	if (!r) {
		count(VJ_STAT_FAULT_TASK);
		return 0;
	}
	send_close(r, sk, fd);
	return 0;
}

/* The outcome of a connect that returned EINPROGRESS (TCP leaving SYN_SENT). Runs in
 * whatever context the handshake completes in: the caller comes from connect_pending. */
/* A process that exits holding a TCP socket closes it without a close call; the
 * state change happens in the exiting task, which is how it is recognised. */
static __always_inline int closed_by_exit(struct sock *sk, int oldstate, int newstate)
{
	bool closing = newstate == TCP_FIN_WAIT1 || newstate == TCP_LAST_ACK ||
		       (oldstate == TCP_LISTEN && newstate == TCP_CLOSE);
	if (!closing || !(bpf_get_current_task_btf()->flags & PF_EXITING))
		return 0;
	struct socket_record *r = new_socket_record(VJ_OP_CLOSE);
	if (!r) {
		count(VJ_STAT_FAULT_TASK);
		return 0;
	}
	r->s.flags |= VJ_SF_BY_EXIT;
	send_close(r, sk, -1);
	return 0;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(tcp_state, struct sock *sk, int oldstate, int newstate)
{
	if (oldstate != TCP_SYN_SENT)
		return closed_by_exit(sk, oldstate, newstate);
	if (newstate != TCP_ESTABLISHED && newstate != TCP_CLOSE)
		return 0;
	__u64 key = (__u64)sk;
	struct connect_wait *wait = bpf_map_lookup_elem(&connect_pending, &key);
	if (!wait)
		return 0;
	wait->done_ns = bpf_ktime_get_boot_ns();
	wait->outcome = newstate == TCP_ESTABLISHED ? 0 : -BPF_CORE_READ(sk, sk_err);
	wait->done = 1;
	if (!wait->returned)
		return 0; /* connect() is still in the kernel: it reports once it returns */
	send_connect_done(wait, sk);
	bpf_map_delete_elem(&connect_pending, &key);
	return 0;
}
