package io.vajra.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vajra.bpf.ProbeSettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bpf_socket_events end to end: real sockets on this kernel, made by small perl programs
 * (perl and its Socket module are in every Debian base system; each call below is one
 * syscall, as strace shows: socket() and accept() are socket(SOCK_CLOEXEC) and accept4()),
 * asserted on the rows that come out of the table. Runs as root. Each test matches its own
 * pids, ports and names; rows are awaited with a deadline.
 *
 * <p>"Every row of a process" is settled with a barrier: another process's socket row is
 * awaited, and since the ring delivers in order, everything the first process caused is in
 * the store by then.
 */
class SocketEventsE2ETest {
    private static final long JVM_PID = ProcessHandle.current().pid();
    private static final String PERL = "/usr/bin/perl";
    private static final int AF_UNIX = 1;
    private static final int AF_INET = 2;
    private static final int AF_INET6 = 10;

    /** Shared by every script: strict perl, the Socket module, and small helpers. */
    private static final String PRELUDE = """
            use strict; use warnings; use Socket qw(:all); use POSIX (); $| = 1;
            my $marker = shift @ARGV;
            my $lo = pack('C4', 127, 0, 0, 1);
            sub out { my (%kv) = @_; print "$_=$kv{$_}\\n" for sort keys %kv; }
            sub port_of {
                my $sa = getsockname($_[0]) or die "getsockname: $!";
                return sockaddr_family($sa) == AF_INET6 ? (unpack_sockaddr_in6($sa))[0] : (unpack_sockaddr_in($sa))[0];
            }
            sub wait_writable {
                my $w = ''; vec($w, fileno($_[0]), 1) = 1;
                select(undef, $w, undef, 10) == 1 or die "not writable in 10 s";
                return unpack('i', getsockopt($_[0], SOL_SOCKET, SO_ERROR));
            }
            """;

    private static KernelPipeline pipeline;
    private static long hostNetns;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws IOException {
        hostNetns = netnsOf(Path.of("/proc/self/ns/net"));
        pipeline = new KernelPipeline(ProbeSettings.defaults());
    }

    @AfterAll
    static void stop() {
        pipeline.close();
    }

    private static long netnsOf(Path link) throws IOException {
        Matcher m = Pattern.compile("net:\\[(\\d+)]").matcher(Files.readSymbolicLink(link).toString());
        assertTrue(m.matches(), link.toString());
        return Long.parseLong(m.group(1));
    }

    private static String marker() {
        return "vj-" + UUID.randomUUID();
    }

    /** A finished program: its pid and the key=value lines it printed. */
    private record Ran(long pid, String marker, Map<String, String> out) {
        String get(String key) {
            String value = out.get(key);
            if (value == null) {
                throw new AssertionError("the program printed no " + key + ": " + out);
            }
            return value;
        }

        long num(String key) {
            return Long.parseLong(get(key));
        }
    }

    /** Runs a perl script (after {@link #PRELUDE}) with a fresh marker as its first argument. */
    private Ran perl(String script, String... args) {
        List<String> command = new ArrayList<>(List.of(PERL, "-e", PRELUDE + script));
        String marker = marker();
        command.add(marker);
        command.addAll(List.of(args));
        return run(command, marker);
    }

    private Ran run(List<String> command, String marker) {
        try {
            Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
            if (!p.waitFor(KernelPipeline.DEADLINE.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("did not finish: " + command);
            }
            String printed = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new AssertionError("exit " + p.exitValue() + " from " + command.get(0) + ": " + printed);
            }
            Map<String, String> out = new LinkedHashMap<>();
            for (String line : printed.split("\n")) {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    out.put(line.substring(0, eq), line.substring(eq + 1));
                }
            }
            return new Ran(p.pid(), marker, out);
        } catch (IOException e) {
            throw new AssertionError("cannot run " + command.get(0), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /**
     * Every socket row of {@code ran}'s perl, once settled: a later process's close row is
     * awaited first, so nothing of {@code ran}'s can still be on its way. Only perl's own rows:
     * under the same pid, before its exec, the JVM's jspawnhelper closes inherited fds, some
     * of them sockets.
     */
    private List<Map<String, Object>> settledRowsOf(Ran ran) {
        Ran barrier = perl("socket(my $s, AF_INET, SOCK_DGRAM, 0) or die; out(fd => fileno($s)); close($s) or die;");
        pipeline.awaitOneSocket(r -> isPerl(r, barrier) && "close".equals(r.get("syscall")));
        return pipeline.socketRows().stream().filter(r -> isPerl(r, ran)).toList();
    }

    private static boolean isPerl(Map<String, Object> row, Ran ran) {
        return row.get("pid").equals(ran.pid()) && "perl".equals(row.get("comm"));
    }

    /** One line per row: what happened, on which fd, between which ends, with what result. */
    private static String sig(Map<String, Object> r) {
        return r.get("syscall") + " fd=" + r.get("fd") + " " + r.get("local_address") + ":" + r.get("local_port")
                + " -> " + r.get("remote_address") + ":" + r.get("remote_port") + " = " + r.get("exit_code")
                + " " + r.get("status");
    }

    private static String sig(String syscall, long fd, String local, long localPort, String remote, long remotePort,
            String exitCode, String status) {
        return syscall + " fd=" + fd + " " + local + ":" + localPort + " -> " + remote + ":" + remotePort + " = "
                + exitCode + " " + status;
    }

    private static List<String> sigs(List<Map<String, Object>> rows) {
        return rows.stream().map(SocketEventsE2ETest::sig).toList();
    }

    private static Map<String, Object> only(List<Map<String, Object>> rows, String what,
            java.util.function.Predicate<Map<String, Object>> match) {
        List<Map<String, Object>> found = rows.stream().filter(match).toList();
        if (found.size() != 1) {
            throw new AssertionError("expected one " + what + " row, found " + KernelPipeline.abbreviated(found)
                    + "\nall rows:\n  " + String.join("\n  ", sigs(rows)));
        }
        return found.get(0);
    }

    /** What every row of one of our perl processes says about the process and the socket. */
    private static void assertMadeByPerl(Ran ran, List<Map<String, Object>> rows, long family, long type,
            long protocol, long netns) {
        long now = System.currentTimeMillis() / 1000;
        for (Map<String, Object> r : rows) {
            String where = sig(r);
            assertEquals(ran.pid(), r.get("tid"), where);
            assertEquals(JVM_PID, r.get("parent"), where);
            assertEquals(0L, r.get("uid"), where);
            assertEquals(0L, r.get("gid"), where);
            assertEquals(PERL, r.get("path"), where);
            assertTrue(((String) r.get("cmdline")).startsWith(PERL + " -e ") && ((String) r.get("cmdline"))
                    .contains(ran.marker()), where + ": " + r.get("cmdline"));
            assertEquals("perl", r.get("comm"), where);
            assertEquals(0L, r.get("probe_error"), where);
            assertEquals(family, r.get("family"), where);
            assertEquals(type, r.get("type"), where);
            assertEquals(protocol, r.get("protocol"), where);
            assertEquals(netns, r.get("netns"), where);
            assertEquals(0L, r.get("is_container_process"), where);
            assertTrue(Math.abs(now - (Long) r.get("time")) < 60, where + ": time " + r.get("time"));
            assertTrue((Long) r.get("duration") >= 0, where + ": duration " + r.get("duration"));
        }
    }

    // ---------------------------------------------------------------- TCP

    /**
     * A listener, a client, one accepted connection; 5 bytes one way, 7 back, the client shuts
     * down its side, then every socket is closed. Arguments: v4|v6, bind address, connect address.
     */
    private static final String TCP_CONVERSATION = """
            my ($v, $bind_text, $conn_text) = @ARGV;
            my $af = $v eq 'v6' ? AF_INET6 : AF_INET;
            my $sa = sub { my ($port, $text) = @_; $af == AF_INET6
                ? pack_sockaddr_in6($port, inet_pton(AF_INET6, $text)) : pack_sockaddr_in($port, inet_pton(AF_INET, $text)) };
            socket(my $srv, $af, SOCK_STREAM, IPPROTO_TCP) or die "socket: $!";
            setsockopt($srv, IPPROTO_IPV6, IPV6_V6ONLY, 0) or die "v6only: $!" if $af == AF_INET6;
            bind($srv, $sa->(0, $bind_text)) or die "bind: $!";
            listen($srv, 8) or die "listen: $!";
            my $sport = port_of($srv);
            socket(my $cli, $af, SOCK_STREAM, IPPROTO_TCP) or die "socket: $!";
            connect($cli, $sa->($sport, $conn_text)) or die "connect: $!";
            my $cport = port_of($cli);
            syswrite($cli, 'hello') == 5 or die;
            accept(my $conn, $srv) or die "accept: $!";
            sysread($conn, my $buf, 5) == 5 or die;
            syswrite($conn, 'welcome') == 7 or die;
            my $got = '';
            while (length($got) < 7) { sysread($cli, $got, 7 - length($got), length($got)) or die "read: $!"; }
            shutdown($cli, 1) or die "shutdown: $!";
            sysread($conn, $buf, 1) == 0 or die 'expected the end of the stream';
            out(server_port => $sport, client_port => $cport, listen_fd => fileno($srv), client_fd => fileno($cli),
                conn_fd => fileno($conn));
            close($cli) or die; close($conn) or die; close($srv) or die;
            """;

    private void tcpConversation(String v, String bindAddress, String connectionAddress, long family) {
        Ran ran = perl(TCP_CONVERSATION, v, bindAddress, connectionAddress);
        long l = ran.num("listen_fd");
        long c = ran.num("client_fd");
        long n = ran.num("conn_fd");
        long s = ran.num("server_port");
        long p = ran.num("client_port");
        String a = connectionAddress;
        String b = bindAddress;
        List<Map<String, Object>> rows = settledRowsOf(ran);
        assertEquals(List.of(
                sig("socket", l, "", 0, "", 0, Long.toString(l), "succeeded"),
                sig("bind", l, b, s, "", 0, "0", "succeeded"),
                sig("listen", l, b, s, "", 0, "0", "succeeded"),
                sig("socket", c, "", 0, "", 0, Long.toString(c), "succeeded"),
                sig("connect", c, a, p, a, s, "0", "succeeded"),
                sig("accept4", n, a, s, a, p, Long.toString(n), "succeeded"),
                sig("shutdown", c, a, p, a, s, "0", "succeeded"),
                sig("close", c, a, p, a, s, "0", "succeeded"),
                sig("close", n, a, s, a, p, "0", "succeeded"),
                sig("close", l, b, s, "", 0, "0", "succeeded")), sigs(rows));
        assertMadeByPerl(ran, rows, family, 1, 6, hostNetns);

        Map<String, Object> accept = rows.get(5);
        assertEquals("accept", accept.get("action"));
        assertEquals("connect", rows.get(4).get("action"));
        assertTrue((Long) rows.get(4).get("duration") > 0, "time in connect");
        // Application bytes: the client wrote 5 and read 7, the server the other way round
        // (SYN and FIN take sequence numbers but are not bytes).
        assertEquals(List.of("shutdown sent=5 received=7", "close sent=5 received=7", "close sent=7 received=5"),
                rows.subList(6, 9).stream().map(r -> r.get("syscall") + " sent=" + r.get("bytes_sent") + " received="
                        + r.get("bytes_received")).toList());
        for (Map<String, Object> close : rows.subList(7, 10)) {
            long lifetime = (Long) close.get("lifetime");
            long sinceFirstSocket = Long.parseLong((String) close.get("ntime")) - Long.parseLong((String) rows.get(0).get("ntime"));
            assertTrue(lifetime > 0 && lifetime <= sinceFirstSocket + 1_000_000, sig(close) + ": lifetime " + lifetime
                    + " ns, " + sinceFirstSocket + " ns since the first socket");
        }
        for (Map<String, Object> r : rows.subList(0, 6)) {
            assertEquals(null, r.get("bytes_sent"), sig(r));
        }
        assertEquals("", rows.get(0).get("errno"));
    }

    @Test
    void tcpOverIpv4BothEndsOfEveryCall() {
        tcpConversation("v4", "127.0.0.1", "127.0.0.1", AF_INET);
    }

    @Test
    void tcpOverIpv6BothEndsOfEveryCall() {
        assumeTrue(Files.exists(Path.of("/proc/net/if_inet6")), "IPv6 is disabled on this machine");
        tcpConversation("v6", "::1", "::1", AF_INET6);
    }

    @Test
    void ipv4ClientsOfADualStackListenerAreIpv4Mapped() {
        assumeTrue(Files.exists(Path.of("/proc/net/if_inet6")), "IPv6 is disabled on this machine");
        tcpConversation("v6", "::", "::ffff:127.0.0.1", AF_INET6);
    }

    @Test
    void connectionRefused() {
        // A port bound but not listening answers a SYN with a reset.
        Ran ran = perl("""
                socket(my $idle, AF_INET, SOCK_STREAM, IPPROTO_TCP) or die; bind($idle, pack_sockaddr_in(0, $lo)) or die;
                socket(my $c, AF_INET, SOCK_STREAM, IPPROTO_TCP) or die;
                connect($c, pack_sockaddr_in(port_of($idle), $lo)) and die 'connected?';
                $!{ECONNREFUSED} or die "expected ECONNREFUSED, got $!";
                out(port => port_of($idle), fd => fileno($c));
                close($c); close($idle);
                """);
        List<Map<String, Object>> rows = settledRowsOf(ran);
        Map<String, Object> connect = only(rows, "connect", r -> "connect".equals(r.get("syscall")));
        assertEquals("-111", connect.get("exit_code"));
        assertEquals("failed", connect.get("status"));
        assertEquals("ECONNREFUSED", connect.get("errno"));
        assertEquals(Long.toString(ran.num("fd")), connect.get("fd"));
        assertEquals("127.0.0.1", connect.get("remote_address"), "where it tried to connect: " + sig(connect));
        assertEquals(ran.num("port"), connect.get("remote_port"), sig(connect));
        assertMadeByPerl(ran, rows, AF_INET, 1, 6, hostNetns);
    }

    @Test
    void nonBlockingConnectIsInProgressThenSucceedsOrFails() {
        Ran ran = perl("""
                socket(my $srv, AF_INET, SOCK_STREAM, IPPROTO_TCP) or die; bind($srv, pack_sockaddr_in(0, $lo)) or die;
                listen($srv, 8) or die;
                socket(my $c, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, IPPROTO_TCP) or die;
                my $ok = connect($c, pack_sockaddr_in(port_of($srv), $lo));
                my $ok_errno = $!{EINPROGRESS} ? 'EINPROGRESS' : "$!";
                my $ok_error = wait_writable($c);
                socket(my $idle, AF_INET, SOCK_STREAM, IPPROTO_TCP) or die; bind($idle, pack_sockaddr_in(0, $lo)) or die;
                socket(my $f, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, IPPROTO_TCP) or die;
                my $bad = connect($f, pack_sockaddr_in(port_of($idle), $lo));
                my $bad_errno = $!{EINPROGRESS} ? 'EINPROGRESS' : "$!";
                my $bad_error = wait_writable($f);
                out(server_port => port_of($srv), client_port => port_of($c), client_fd => fileno($c),
                    ok => ($ok ? 'immediately' : $ok_errno), ok_error => $ok_error,
                    idle_port => port_of($idle), failing_fd => fileno($f),
                    bad => ($bad ? 'immediately' : $bad_errno), bad_error => $bad_error);
                close($c); close($f); close($idle); close($srv);
                """);
        assumeTrue("EINPROGRESS".equals(ran.get("ok")) && "EINPROGRESS".equals(ran.get("bad")),
                "the kernel finished a loopback connect inside the call: " + ran.out());
        assertEquals(0, ran.num("ok_error"));
        assertEquals(111, ran.num("bad_error"));
        List<Map<String, Object>> rows = settledRowsOf(ran);
        String lo = "127.0.0.1";
        long c = ran.num("client_fd");
        long f = ran.num("failing_fd");
        long s = ran.num("server_port");
        long p = ran.num("client_port");
        long i = ran.num("idle_port");
        List<Map<String, Object>> good = rows.stream()
                .filter(r -> "connect".equals(r.get("syscall")) && r.get("fd").equals(Long.toString(c))).toList();
        assertEquals(List.of(
                sig("connect", c, lo, p, lo, s, "-115", "in_progress"),
                sig("connect", c, lo, p, lo, s, "0", "succeeded")), sigs(good));
        assertEquals("EINPROGRESS", good.get(0).get("errno"));
        long callToDone = Long.parseLong((String) good.get(1).get("ntime")) - Long.parseLong((String) good.get(0).get("ntime"));
        assertTrue((Long) good.get(1).get("duration") > 0, "the handshake's time since the call");
        assertTrue(callToDone >= 0, "the outcome comes after the call");
        List<Map<String, Object>> bad = rows.stream()
                .filter(r -> "connect".equals(r.get("syscall")) && r.get("fd").equals(Long.toString(f))).toList();
        assertEquals(2, bad.size(), String.join("\n", sigs(rows)));
        // The failed connection's local port is given back to the kernel: not asserted.
        assertEquals(List.of("connect", "-115", "in_progress", "EINPROGRESS", lo, i),
                outcome(bad.get(0)), sig(bad.get(0)));
        assertEquals(List.of("connect", "-111", "failed", "ECONNREFUSED", lo, i),
                outcome(bad.get(1)), sig(bad.get(1)));
        assertMadeByPerl(ran, rows, AF_INET, 1, 6, hostNetns);
    }

    @Test
    void aBlockingConnectWhoseSendTimeoutRunsOutIsInProgressThenSucceeds() {
        // A listener with backlog 0 holds one unaccepted connection; the next SYN is dropped
        // and retried after the kernel's initial 1 s. A 200 ms SO_SNDTIMEO makes the blocking
        // connect return EINPROGRESS first; once the queue is free the retry gets through.
        Ran ran = perl("""
                socket(my $srv, AF_INET, SOCK_STREAM, IPPROTO_TCP) or die; bind($srv, pack_sockaddr_in(0, $lo)) or die;
                listen($srv, 0) or die;
                socket(my $first, AF_INET, SOCK_STREAM, IPPROTO_TCP) or die;
                connect($first, pack_sockaddr_in(port_of($srv), $lo)) or die "first: $!";
                socket(my $c, AF_INET, SOCK_STREAM, IPPROTO_TCP) or die;
                setsockopt($c, SOL_SOCKET, SO_SNDTIMEO, pack('l!l!', 0, 200000)) or die "SO_SNDTIMEO: $!";
                my $r = connect($c, pack_sockaddr_in(port_of($srv), $lo));
                my $errno = $r ? 'immediately' : ($!{EINPROGRESS} ? 'EINPROGRESS' : "$!");
                accept(my $a, $srv) or die "accept: $!";
                my $error = wait_writable($c);
                out(server_port => port_of($srv), client_port => port_of($c), client_fd => fileno($c),
                    connect => $errno, error => $error);
                close($c); close($a); close($first); close($srv);
                """);
        assumeTrue("EINPROGRESS".equals(ran.get("connect")),
                "the kernel did not drop the handshake behind a full accept queue: " + ran.out());
        assertEquals(0, ran.num("error"));
        List<Map<String, Object>> rows = settledRowsOf(ran);
        String lo = "127.0.0.1";
        long c = ran.num("client_fd");
        List<Map<String, Object>> connects = rows.stream()
                .filter(r -> "connect".equals(r.get("syscall")) && r.get("fd").equals(Long.toString(c))).toList();
        assertEquals(List.of(
                sig("connect", c, lo, ran.num("client_port"), lo, ran.num("server_port"), "-115", "in_progress"),
                sig("connect", c, lo, ran.num("client_port"), lo, ran.num("server_port"), "0", "succeeded")),
                sigs(connects));
    }

    private static List<Object> outcome(Map<String, Object> r) {
        return List.of(r.get("action"), r.get("exit_code"), r.get("status"), r.get("errno"), r.get("remote_address"),
                r.get("remote_port"));
    }

    @Test
    void aNonBlockingAcceptWithNobodyWaitingHasNoClient() {
        Ran ran = perl("""
                socket(my $srv, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, IPPROTO_TCP) or die;
                bind($srv, pack_sockaddr_in(0, $lo)) or die; listen($srv, 8) or die;
                accept(my $none, $srv) and die 'a client?';
                $!{EAGAIN} or die "expected EAGAIN: $!";
                out(fd => fileno($srv), port => port_of($srv));
                close($srv);
                """);
        List<Map<String, Object>> rows = settledRowsOf(ran);
        Map<String, Object> accept = only(rows, "accept", r -> "accept".equals(r.get("action")));
        assertEquals("-11", accept.get("exit_code"));
        assertEquals("no_client", accept.get("status"));
        assertEquals("EAGAIN", accept.get("errno"));
        assertEquals("-1", accept.get("fd"), "no new fd was made");
        assertEquals(List.of("127.0.0.1", ran.num("port")), List.of(accept.get("local_address"), accept.get("local_port")),
                "the listener's address: " + sig(accept));
    }

    @Test
    void plainAcceptIsNamedAccept() {
        String arch = System.getProperty("os.arch");
        int sysAccept = "amd64".equals(arch) ? 43 : "aarch64".equals(arch) ? 202 : -1;
        assumeTrue(sysAccept > 0, "accept(2)'s number on " + arch);
        Ran ran = perl("""
                my $nr = $ARGV[0];
                socket(my $srv, AF_INET, SOCK_STREAM, IPPROTO_TCP) or die; bind($srv, pack_sockaddr_in(0, $lo)) or die;
                listen($srv, 8) or die;
                socket(my $c, AF_INET, SOCK_STREAM, IPPROTO_TCP) or die; connect($c, getsockname($srv)) or die;
                my $fd = syscall($nr, fileno($srv), 0, 0);
                $fd >= 0 or die "accept: $!";
                out(conn_fd => $fd, client_port => port_of($c), server_port => port_of($srv));
                POSIX::close($fd); close($c); close($srv);
                """, Integer.toString(sysAccept));
        List<Map<String, Object>> rows = settledRowsOf(ran);
        long n = ran.num("conn_fd");
        Map<String, Object> accept = only(rows, "accept", r -> "accept".equals(r.get("action")));
        assertEquals(sig("accept", n, "127.0.0.1", ran.num("server_port"), "127.0.0.1", ran.num("client_port"),
                Long.toString(n), "succeeded"), sig(accept));
    }

    // ---------------------------------------------------------------- UDP

    @Test
    void udpConnectAndAnUnconnectedSendto() {
        Ran ran = perl("""
                socket(my $rcv, AF_INET, SOCK_DGRAM, 0) or die; bind($rcv, pack_sockaddr_in(0, $lo)) or die;
                my $rport = port_of($rcv);
                socket(my $snd, AF_INET, SOCK_DGRAM, 0) or die; connect($snd, pack_sockaddr_in($rport, $lo)) or die;
                send($snd, 'ping', 0) == 4 or die "send: $!";
                socket(my $free, AF_INET, SOCK_DGRAM, 0) or die;
                send($free, 'pong', 0, pack_sockaddr_in($rport, $lo)) == 4 or die "sendto: $!";
                recv($rcv, my $buf, 16, 0); recv($rcv, $buf, 16, 0);
                out(receiver_port => $rport, receiver_fd => fileno($rcv), sender_port => port_of($snd),
                    sender_fd => fileno($snd), free_port => port_of($free), free_fd => fileno($free));
                close($free); close($snd); close($rcv);
                """);
        long r = ran.num("receiver_fd");
        long s = ran.num("sender_fd");
        long f = ran.num("free_fd");
        long rp = ran.num("receiver_port");
        long sp = ran.num("sender_port");
        long fp = ran.num("free_port");
        String lo = "127.0.0.1";
        List<Map<String, Object>> rows = settledRowsOf(ran);
        // sendto(2) and recvfrom(2) are not traced: the free socket's implicit bind makes no row,
        // but its close shows the port it was given, on the wildcard address.
        assertEquals(List.of(
                sig("socket", r, "", 0, "", 0, Long.toString(r), "succeeded"),
                sig("bind", r, lo, rp, "", 0, "0", "succeeded"),
                sig("socket", s, "", 0, "", 0, Long.toString(s), "succeeded"),
                sig("connect", s, lo, sp, lo, rp, "0", "succeeded"),
                sig("socket", f, "", 0, "", 0, Long.toString(f), "succeeded"),
                sig("close", f, "0.0.0.0", fp, "", 0, "0", "succeeded"),
                sig("close", s, lo, sp, lo, rp, "0", "succeeded"),
                sig("close", r, lo, rp, "", 0, "0", "succeeded")), sigs(rows));
        assertMadeByPerl(ran, rows, AF_INET, 2, 17, hostNetns);
        for (Map<String, Object> row : rows) {
            assertEquals(null, row.get("bytes_sent"), "no byte counts for UDP: " + sig(row));
            assertEquals(null, row.get("bytes_received"), sig(row));
        }
        for (Map<String, Object> close : rows.subList(5, 8)) {
            assertTrue(close.get("lifetime") instanceof Long lifetime && lifetime > 0, sig(close));
        }
    }

    // ---------------------------------------------------------------- UNIX

    @Test
    void unixStreamSocketsWithAPathAndAnAbstractName() {
        String path = dir.resolve("stream.sock").toString();
        String abstractName = "vj-abstract-stream-" + UUID.randomUUID();
        String name = "@" + abstractName;
        Ran ran = perl("""
                my ($path, $name) = @ARGV;
                for my $addr ($path, "\\0$name") {
                    socket(my $srv, AF_UNIX, SOCK_STREAM, 0) or die; bind($srv, pack_sockaddr_un($addr)) or die "bind: $!";
                    listen($srv, 4) or die;
                    socket(my $cli, AF_UNIX, SOCK_STREAM, 0) or die; connect($cli, pack_sockaddr_un($addr)) or die "connect: $!";
                    accept(my $conn, $srv) or die;
                    my $k = $addr eq $path ? 'path' : 'abstract';
                    out("${k}_listen_fd" => fileno($srv), "${k}_client_fd" => fileno($cli), "${k}_conn_fd" => fileno($conn));
                    close($cli); close($conn); close($srv);
                }
                """, path, abstractName);
        List<Map<String, Object>> rows = settledRowsOf(ran);
        List<String> expected = new ArrayList<>();
        for (String k : List.of("path", "abstract")) {
            String a = k.equals("path") ? path : name;
            long l = ran.num(k + "_listen_fd");
            long c = ran.num(k + "_client_fd");
            long n = ran.num(k + "_conn_fd");
            // The client is not bound: its end has no name. The accepted socket has the listener's.
            expected.addAll(List.of(
                    sig("socket", l, "", 0, "", 0, Long.toString(l), "succeeded"),
                    sig("bind", l, a, 0, "", 0, "0", "succeeded"),
                    sig("listen", l, a, 0, "", 0, "0", "succeeded"),
                    sig("socket", c, "", 0, "", 0, Long.toString(c), "succeeded"),
                    sig("connect", c, "", 0, a, 0, "0", "succeeded"),
                    sig("accept4", n, a, 0, "", 0, Long.toString(n), "succeeded"),
                    sig("close", c, "", 0, a, 0, "0", "succeeded"),
                    sig("close", n, a, 0, "", 0, "0", "succeeded"),
                    sig("close", l, a, 0, "", 0, "0", "succeeded")));
        }
        assertEquals(expected, sigs(rows));
        assertMadeByPerl(ran, rows, AF_UNIX, 1, 0, hostNetns);
    }

    @Test
    void unixDatagramSocketsWithAPathAndAnAbstractName() {
        String path = dir.resolve("dgram.sock").toString();
        String abstractName = "vj-abstract-dgram-" + UUID.randomUUID();
        String name = "@" + abstractName;
        Ran ran = perl("""
                my ($path, $name) = @ARGV;
                socket(my $rcv, AF_UNIX, SOCK_DGRAM, 0) or die; bind($rcv, pack_sockaddr_un($path)) or die "bind: $!";
                socket(my $snd, AF_UNIX, SOCK_DGRAM, 0) or die; bind($snd, pack_sockaddr_un("\\0$name")) or die "bind: $!";
                connect($snd, pack_sockaddr_un($path)) or die "connect: $!";
                send($snd, 'x', 0) == 1 or die;
                out(receiver_fd => fileno($rcv), sender_fd => fileno($snd));
                close($snd); close($rcv);
                """, path, abstractName);
        long r = ran.num("receiver_fd");
        long s = ran.num("sender_fd");
        List<Map<String, Object>> rows = settledRowsOf(ran);
        assertEquals(List.of(
                sig("socket", r, "", 0, "", 0, Long.toString(r), "succeeded"),
                sig("bind", r, path, 0, "", 0, "0", "succeeded"),
                sig("socket", s, "", 0, "", 0, Long.toString(s), "succeeded"),
                sig("bind", s, name, 0, "", 0, "0", "succeeded"),
                sig("connect", s, name, 0, path, 0, "0", "succeeded"),
                sig("close", s, name, 0, path, 0, "0", "succeeded"),
                sig("close", r, path, 0, "", 0, "0", "succeeded")), sigs(rows));
        assertMadeByPerl(ran, rows, AF_UNIX, 2, 0, hostNetns);
    }

    // ---------------------------------------------------------------- lifetimes

    @Test
    void socketsHeldByAnExitingProcessAreClosedWithoutACloseCall() {
        // POSIX::_exit skips perl's own cleanup: the kernel closes the sockets in exit(2), not
        // close(2). A TCP socket's end is still seen (its state changes): a row with syscall
        // "exit", action "close", fd -1. A UDP socket's is not (docs/tables.md).
        Ran ran = perl("""
                socket(my $s, AF_INET, SOCK_STREAM, IPPROTO_TCP) or die; bind($s, pack_sockaddr_in(0, $lo)) or die;
                listen($s, 4) or die;
                socket(my $u, AF_INET, SOCK_DGRAM, 0) or die; bind($u, pack_sockaddr_in(0, $lo)) or die;
                out(fd => fileno($s), port => port_of($s), udp_fd => fileno($u), udp_port => port_of($u));
                POSIX::_exit(0);
                """);
        pipeline.awaitOne(r -> r.get("pid").equals(ran.pid()) && "exit".equals(r.get("syscall")));
        List<Map<String, Object>> rows = settledRowsOf(ran);
        long fd = ran.num("fd");
        long port = ran.num("port");
        long udp = ran.num("udp_fd");
        long udpPort = ran.num("udp_port");
        assertEquals(List.of(
                sig("socket", fd, "", 0, "", 0, Long.toString(fd), "succeeded"),
                sig("bind", fd, "127.0.0.1", port, "", 0, "0", "succeeded"),
                sig("listen", fd, "127.0.0.1", port, "", 0, "0", "succeeded"),
                sig("socket", udp, "", 0, "", 0, Long.toString(udp), "succeeded"),
                sig("bind", udp, "127.0.0.1", udpPort, "", 0, "0", "succeeded"),
                sig("exit", -1, "127.0.0.1", port, "", 0, "0", "succeeded")), sigs(rows));
        Map<String, Object> end = rows.get(5);
        assertEquals("close", end.get("action"));
        assertTrue(end.get("lifetime") instanceof Long lifetime && lifetime > 0, "lifetime " + end.get("lifetime"));
    }

    @Test
    void aReusedFdNumberGivesTheNewSocketItsOwnRows() {
        Ran ran = perl("""
                for my $i (1, 2) {
                    socket(my $s, AF_INET, SOCK_STREAM, IPPROTO_TCP) or die; bind($s, pack_sockaddr_in(0, $lo)) or die;
                    out("fd$i" => fileno($s), "port$i" => port_of($s));
                    select(undef, undef, undef, 0.2) if $i == 1; # the first socket lives 200 ms
                    close($s) or die;
                }
                """);
        long fd = ran.num("fd1");
        assertEquals(fd, ran.num("fd2"), "the lowest free fd is reused");
        long p1 = ran.num("port1");
        long p2 = ran.num("port2");
        List<Map<String, Object>> rows = settledRowsOf(ran);
        assertEquals(List.of(
                sig("socket", fd, "", 0, "", 0, Long.toString(fd), "succeeded"),
                sig("bind", fd, "127.0.0.1", p1, "", 0, "0", "succeeded"),
                sig("close", fd, "127.0.0.1", p1, "", 0, "0", "succeeded"),
                sig("socket", fd, "", 0, "", 0, Long.toString(fd), "succeeded"),
                sig("bind", fd, "127.0.0.1", p2, "", 0, "0", "succeeded"),
                sig("close", fd, "127.0.0.1", p2, "", 0, "0", "succeeded")), sigs(rows));
        long first = (Long) rows.get(2).get("lifetime");
        long second = (Long) rows.get(5).get("lifetime");
        assertTrue(first >= 150_000_000L, "the first socket lived 200 ms: " + first);
        assertTrue(second < first, "the second socket's lifetime is its own, not the first's: " + second);
    }

    /**
     * Each CPU has its own ring: sockets made on CPU 1 and closed on CPU 0 reach the
     * collector through two rings, the closes through the one read first. A close carries
     * its socket's lifetime only when its birth came first: the merge must restore it.
     */
    @Test
    void socketsBornOnOneCpuAndClosedOnAnotherKeepTheirOrder() {
        assumeTrue(Runtime.getRuntime().availableProcessors() >= 2, "needs two CPUs");
        Ran ran = perl("""
                # sched_setaffinity (203 on x86-64) of this process to one CPU
                sub pin { syscall(203, 0, 8, pack('Q', 1 << $_[0])) == 0 or die "sched_setaffinity: $!"; }
                for my $round (1 .. 20) {
                    pin(1);
                    my @made;
                    for (1 .. 25) { socket(my $s, AF_INET, SOCK_DGRAM, 0) or die; push @made, $s; }
                    pin(0);
                    close($_) or die for @made;
                }
                out(sockets => 500);
                """);
        List<Map<String, Object>> closes = settledRowsOf(ran).stream()
                .filter(r -> "close".equals(r.get("syscall"))).toList();
        assertEquals(500, closes.size());
        List<String> early = closes.stream().filter(r -> !(r.get("lifetime") instanceof Long))
                .map(SocketEventsE2ETest::sig).toList();
        assertEquals(0, early.size(), early.size() + " closes came before their socket's birth, the first: "
                + early.subList(0, Math.min(3, early.size())));
    }

    // ---------------------------------------------------------------- namespaces

    @Test
    void socketsInANetworkNamespaceCarryItsInode() throws Exception {
        String marker = marker();
        // unshare and sh exec: perl keeps the pid the JVM started.
        List<String> command = List.of("unshare", "--net", "/bin/sh", "-c",
                "ip link set lo up && exec " + PERL + " -e \"$0\" \"$1\"", PRELUDE + """
                        my ($ns) = readlink('/proc/self/ns/net') =~ /\\[(\\d+)\\]/;
                        socket(my $srv, AF_INET, SOCK_STREAM, IPPROTO_TCP) or die; bind($srv, pack_sockaddr_in(0, $lo)) or die;
                        listen($srv, 4) or die;
                        socket(my $c, AF_INET, SOCK_STREAM, IPPROTO_TCP) or die; connect($c, getsockname($srv)) or die "connect: $!";
                        accept(my $conn, $srv) or die;
                        out(netns => $ns, server_port => port_of($srv), client_port => port_of($c), client_fd => fileno($c));
                        close($c); close($conn); close($srv);
                        """, marker);
        Ran ran = run(command, marker);
        long netns = ran.num("netns");
        assertNotEquals(hostNetns, netns);
        List<Map<String, Object>> rows = settledRowsOf(ran);
        assertEquals(List.of("socket", "bind", "listen", "socket", "connect", "accept4", "close", "close", "close"),
                rows.stream().map(r -> r.get("syscall")).toList(), String.join("\n", sigs(rows)));
        for (Map<String, Object> r : rows) {
            assertEquals(netns, r.get("netns"), sig(r));
        }
        Map<String, Object> connect = rows.get(4);
        assertEquals(sig("connect", ran.num("client_fd"), "127.0.0.1", ran.num("client_port"), "127.0.0.1",
                ran.num("server_port"), "0", "succeeded"), sig(connect));
    }

    // ---------------------------------------------------------------- counters

    @Test
    void socketEventsAreCountedAndNothingWasLost() {
        Ran ran = perl("socket(my $s, AF_INET, SOCK_DGRAM, 0) or die; close($s) or die;");
        settledRowsOf(ran);
        var counters = pipeline.collector.counters();
        assertTrue(counters.get("sent_socket") >= 4, counters.asMap().toString());
        assertEquals(0L, counters.get("lost_socket_inflight"), counters.asMap().toString());
        assertEquals(0L, counters.lost(), counters.asMap().toString());
    }
}
