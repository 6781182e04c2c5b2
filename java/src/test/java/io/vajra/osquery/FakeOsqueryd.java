package io.vajra.osquery;

import io.vajra.osquery.thrift.Extension;
import io.vajra.osquery.thrift.ExtensionManager;
import io.vajra.osquery.thrift.ExtensionResponse;
import io.vajra.osquery.thrift.ExtensionStatus;
import io.vajra.osquery.thrift.InternalExtensionInfo;
import io.vajra.osquery.thrift.InternalOptionInfo;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.thrift.TException;
import org.apache.thrift.protocol.TBinaryProtocol;
import org.apache.thrift.server.TThreadPoolServer;
import org.apache.thrift.transport.TServerTransport;
import org.apache.thrift.transport.TTransport;
import org.apache.thrift.transport.TTransportException;

/**
 * A test double of osqueryd's extension manager, from the project's own IDL: Thrift binary
 * protocol, unframed, on a UNIX socket, one thread per connection. It behaves like osqueryd
 * where an extension can tell the difference:
 *
 * <ul>
 *   <li>{@code registerExtension} assigns increasing uuids from a random start and refuses
 *       (code 1) a duplicate extension name, an {@code sdk_version} below 1.7.7 ({@code "0.0.0"}
 *       passes) and any plugin name it already owns, with osquery's exact conflict message;
 *   <li>core tables can be pre-owned (osquery &lt;= 5.23 owns {@code bpf_process_events} and
 *       {@code bpf_socket_events});
 *   <li>{@code options()} returns osqueryd's flags (configurable), {@code call("config",
 *       "filesystem", {"action":"genConfig"})} a configurable config;
 *   <li>after a registration it pings the extension at {@code <socket>.<uuid>} every ping
 *       interval over a new connection, and forgets the extension after two failed pings;
 *   <li>it calls the extension's plugins over a new connection per call ({@link #callTable},
 *       {@link #generate}, {@link #columns}, {@link #shutdownExtension});
 *   <li>{@link #stop()} closes the manager socket and every open connection, as osqueryd's
 *       exit would.
 * </ul>
 *
 * <p>Uses only the JDK, libthrift and the generated IDL, so the benchmark can run it against
 * the shaded jar without JUnit.
 */
public final class FakeOsqueryd implements ExtensionManager.Iface, AutoCloseable {
    public static final String MIN_SDK_VERSION = "1.7.7";
    /** The BPF tables osquery releases up to 5.23 register as core tables on Linux. */
    public static final List<String> OSQUERY_523_BPF_TABLES = List.of("bpf_process_events", "bpf_socket_events");
    public static final int EXT_SUCCESS = 0;
    public static final int EXT_FAILED = 1;

    /** osquery's message when a plugin name is already registered. */
    public static String conflictMessage(String name) {
        return "Registry item " + name + " conflicts with another item of the same name.";
    }

    /** An extension osqueryd knows about. */
    public record Registration(long uuid, InternalExtensionInfo info,
            Map<String, Map<String, List<Map<String, String>>>> registry, Path socket) {
        /** Table plugin names it registered. */
        public Set<String> tables() {
            return registry.getOrDefault("table", Map.of()).keySet();
        }

        /** The route list registered for {@code table}, or null. */
        public List<Map<String, String>> routes(String table) {
            return registry.getOrDefault("table", Map.of()).get(table);
        }
    }

    /** One {@code registerExtension} call and its answer. */
    public record Attempt(InternalExtensionInfo info, Set<String> tables, ExtensionStatus status) {
    }

    /** A plugin call that came back with a non-zero status code. */
    public static final class CallFailedException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final int code;
        private final String statusMessage;

        CallFailedException(String what, ExtensionStatus status) {
            super(what + " failed: code " + status.getCode() + ": " + status.getMessage());
            this.code = status.getCode();
            this.statusMessage = status.getMessage();
        }

        public int code() {
            return code;
        }

        public String statusMessage() {
            return statusMessage;
        }
    }

    public static Builder builder(Path dir) {
        return new Builder(dir);
    }

    /** Options of the double; {@link #start()} opens the socket and serves. */
    public static final class Builder {
        private final Path dir;
        private String socketName = "osquery.em";
        private final Set<String> coreTables = new LinkedHashSet<>();
        private final Map<String, InternalOptionInfo> options = defaultOptions();
        private final Map<String, String> configSources = new LinkedHashMap<>();
        private Duration pingInterval = Duration.ofSeconds(3);
        private Duration callTimeout = Duration.ofSeconds(30);
        private long firstUuid = 1000 + ThreadLocalRandom.current().nextLong(30_000);

        private Builder(Path dir) {
            this.dir = dir;
            configSources.put("/etc/osquery/osquery.conf", "{\"options\":{},\"schedule\":{}}");
        }

        /** The manager socket's file name inside the directory (default {@code osquery.em}). */
        public Builder socketName(String name) {
            this.socketName = name;
            return this;
        }

        /** Table names osqueryd itself owns, so an extension registering them is refused. */
        public Builder coreTables(String... names) {
            coreTables.addAll(List.of(names));
            return this;
        }

        /** Sets an osqueryd flag as {@code options()} reports it. */
        public Builder option(String name, String value) {
            InternalOptionInfo old = options.get(name);
            options.put(name, new InternalOptionInfo(value, old == null ? value : old.getDefault_value(),
                    old == null ? "string" : old.getType()));
            return this;
        }

        /** Leaves a flag out, as an osquery build that does not define it would. */
        public Builder withoutOption(String name) {
            options.remove(name);
            return this;
        }

        /** The config genConfig returns: replaces every source with this one. */
        public Builder config(String source, String json) {
            configSources.clear();
            configSources.put(source, json);
            return this;
        }

        /** How often osqueryd pings each extension ({@code --extensions_interval}, 3 s). */
        public Builder pingInterval(Duration interval) {
            this.pingInterval = interval;
            options.put("extensions_interval", new InternalOptionInfo(
                    Long.toString(Math.max(1, interval.toSeconds())), "3", "uint64"));
            return this;
        }

        /** The longest a call to an extension may take before it counts as failed. */
        public Builder callTimeout(Duration timeout) {
            this.callTimeout = timeout;
            return this;
        }

        /** The uuid of the first registration (random by default). */
        public Builder firstUuid(long uuid) {
            this.firstUuid = uuid;
            return this;
        }

        public FakeOsqueryd start() throws IOException {
            return new FakeOsqueryd(this);
        }

        private static Map<String, InternalOptionInfo> defaultOptions() {
            Map<String, InternalOptionInfo> o = new TreeMap<>();
            put(o, "config_plugin", "filesystem", "string");
            put(o, "config_path", "/etc/osquery/osquery.conf", "string");
            put(o, "logger_plugin", "filesystem", "string");
            put(o, "logger_path", "/var/log/osquery", "string");
            put(o, "disable_events", "false", "bool");
            put(o, "events_expiry", "3600", "uint64");
            put(o, "events_max", "50000", "uint64");
            put(o, "events_optimize", "true", "bool");
            put(o, "disable_extensions", "false", "bool");
            put(o, "extensions_socket", "/var/osquery/osquery.em", "string");
            put(o, "extensions_timeout", "3", "string");
            put(o, "extensions_interval", "3", "string");
            put(o, "extensions_require", "", "string");
            put(o, "extensions_default_index", "true", "bool");
            put(o, "host_identifier", "hostname", "string");
            put(o, "schedule_splay_percent", "10", "uint64");
            put(o, "verbose", "false", "bool");
            put(o, "enable_bpf_events", "false", "bool");
            put(o, "bpf_perf_event_array_exp", "10", "uint64");
            put(o, "bpf_buffer_storage_size", "2048", "uint64");
            return o;
        }

        private static void put(Map<String, InternalOptionInfo> o, String name, String value, String type) {
            o.put(name, new InternalOptionInfo(value, value, type));
        }
    }

    private final Path socket;
    private final Set<String> coreTables;
    private final Map<String, InternalOptionInfo> options;
    private volatile Map<String, String> configSources;
    private final Duration pingInterval;
    private final Duration callTimeout;

    private final Object lock = new Object();
    private final Map<Long, Registration> registrations = new LinkedHashMap<>();
    private final Map<Long, Integer> failedPings = new HashMap<>();
    private final Map<Long, Integer> goodPings = new HashMap<>();
    private final List<Attempt> attempts = new ArrayList<>();
    private final List<String> events = new ArrayList<>();
    private long nextUuid;
    private final AtomicInteger managerPings = new AtomicInteger();
    private final AtomicInteger shutdownRequests = new AtomicInteger();

    private final TrackingServerTransport serverTransport;
    private final TThreadPoolServer server;
    private final Thread serveThread;
    private final ScheduledExecutorService pinger;
    private final ExecutorService callers;
    private volatile boolean stopped;

    private FakeOsqueryd(Builder b) throws IOException {
        Files.createDirectories(b.dir);
        this.socket = b.dir.resolve(b.socketName);
        this.coreTables = Set.copyOf(b.coreTables);
        Map<String, InternalOptionInfo> opts = new TreeMap<>(b.options);
        if (opts.containsKey("extensions_socket")) {
            opts.put("extensions_socket", new InternalOptionInfo(socket.toString(), "/var/osquery/osquery.em", "string"));
        }
        this.options = Map.copyOf(opts);
        this.configSources = Map.copyOf(b.configSources);
        this.pingInterval = b.pingInterval;
        this.callTimeout = b.callTimeout;
        this.nextUuid = b.firstUuid;

        this.serverTransport = new TrackingServerTransport(new UnixServerTransport(socket));
        try {
            serverTransport.listen();
        } catch (TTransportException e) {
            throw new IOException(e.getMessage(), e);
        }
        this.server = new TThreadPoolServer(new TThreadPoolServer.Args(serverTransport)
                .processor(new ExtensionManager.Processor<>(this))
                .protocolFactory(new TBinaryProtocol.Factory())
                .executorService(Executors.newCachedThreadPool(daemon("fake-osqueryd-worker")))
                .stopTimeoutVal(2)
                .stopTimeoutUnit(TimeUnit.SECONDS));
        this.serveThread = daemon("fake-osqueryd-server").newThread(server::serve);
        serveThread.start();
        this.callers = Executors.newCachedThreadPool(daemon("fake-osqueryd-caller"));
        this.pinger = Executors.newSingleThreadScheduledExecutor(daemon("fake-osqueryd-pinger"));
        long every = pingInterval.toMillis();
        pinger.scheduleWithFixedDelay(this::pingAll, every, every, TimeUnit.MILLISECONDS);
        event("listening on " + socket);
    }

    /** The manager socket (osqueryd's {@code --extensions_socket}). */
    public Path socket() {
        return socket;
    }

    /** Where the extension with {@code uuid} serves: {@code <socket>.<uuid>}. */
    public Path extensionSocket(long uuid) {
        return Path.of(socket + "." + uuid);
    }

    // ---- ExtensionManager.Iface: what the extension calls ----

    @Override
    public ExtensionStatus ping() {
        managerPings.incrementAndGet();
        return new ExtensionStatus(EXT_SUCCESS, "OK", 0);
    }

    /** What genConfig returns from now on: one source, as osquery's config refresh would see it. */
    public void setConfig(String source, String json) {
        configSources = Map.of(source, json);
    }

    @Override
    public ExtensionResponse call(String registry, String item, Map<String, String> request) {
        if ("config".equals(registry) && configPlugin().equals(item)) {
            if (request != null && "genConfig".equals(request.get("action"))) {
                List<Map<String, String>> rows = new ArrayList<>();
                rows.add(new LinkedHashMap<>(configSources));
                return new ExtensionResponse(new ExtensionStatus(EXT_SUCCESS, "OK", 0), rows);
            }
            return failed("Config plugin action unknown: " + (request == null ? null : request.get("action")));
        }
        return failed("Unknown registry plugin: " + registry + "/" + item);
    }

    @Override
    public void shutdown() {
        shutdownRequests.incrementAndGet();
        event("shutdown requested by a client");
    }

    @Override
    public Map<Long, InternalExtensionInfo> extensions() {
        synchronized (lock) {
            Map<Long, InternalExtensionInfo> list = new LinkedHashMap<>();
            registrations.forEach((uuid, r) -> list.put(uuid, new InternalExtensionInfo(r.info())));
            return list;
        }
    }

    @Override
    public Map<String, InternalOptionInfo> options() {
        Map<String, InternalOptionInfo> copy = new TreeMap<>();
        options.forEach((k, v) -> copy.put(k, new InternalOptionInfo(v)));
        return copy;
    }

    @Override
    public ExtensionStatus registerExtension(InternalExtensionInfo info,
            Map<String, Map<String, List<Map<String, String>>>> registry) {
        Map<String, Map<String, List<Map<String, String>>>> routes = registry == null ? Map.of() : registry;
        Set<String> tables = Set.copyOf(routes.getOrDefault("table", Map.of()).keySet());
        synchronized (lock) {
            ExtensionStatus status = admit(info, routes);
            attempts.add(new Attempt(new InternalExtensionInfo(info), tables, status));
            if (status.getCode() == EXT_SUCCESS) {
                long uuid = status.getUuid();
                registrations.put(uuid, new Registration(uuid, new InternalExtensionInfo(info), copy(routes),
                        extensionSocket(uuid)));
                event("registered " + info.getName() + " as " + uuid + " with tables " + tables);
                lock.notifyAll();
            } else {
                event("refused " + info.getName() + ": " + status.getMessage());
            }
            return status;
        }
    }

    private ExtensionStatus admit(InternalExtensionInfo info, Map<String, Map<String, List<Map<String, String>>>> routes) {
        for (Registration r : registrations.values()) {
            if (r.info().getName().equals(info.getName())) {
                return new ExtensionStatus(EXT_FAILED, "Duplicate extension registered", 0);
            }
        }
        if (!sdkVersionAccepted(info.getSdk_version())) {
            return new ExtensionStatus(EXT_FAILED, "Extension SDK version " + info.getSdk_version()
                    + " is older than the minimum " + MIN_SDK_VERSION, 0);
        }
        for (Map.Entry<String, Map<String, List<Map<String, String>>>> registry : routes.entrySet()) {
            for (String item : registry.getValue().keySet()) {
                if (owned(registry.getKey(), item)) {
                    return new ExtensionStatus(EXT_FAILED, conflictMessage(item), 0);
                }
            }
        }
        return new ExtensionStatus(EXT_SUCCESS, "OK", nextUuid++);
    }

    private boolean owned(String registry, String item) {
        if ("table".equals(registry) && coreTables.contains(item)) {
            return true;
        }
        if (("config".equals(registry) || "logger".equals(registry)) && "filesystem".equals(item)) {
            return true;
        }
        for (Registration r : registrations.values()) {
            if (r.registry().getOrDefault(registry, Map.of()).containsKey(item)) {
                return true;
            }
        }
        return false;
    }

    /** osqueryd accepts {@code 0.0.0} (no SDK) and anything at or above 1.7.7. */
    static boolean sdkVersionAccepted(String version) {
        if ("0.0.0".equals(version)) {
            return true;
        }
        long[] v = parseVersion(version);
        long[] min = parseVersion(MIN_SDK_VERSION);
        if (v == null) {
            return false;
        }
        for (int i = 0; i < 3; i++) {
            if (v[i] != min[i]) {
                return v[i] > min[i];
            }
        }
        return true;
    }

    private static long[] parseVersion(String version) {
        if (version == null || version.isEmpty()) {
            return null;
        }
        String[] parts = version.split("[.-]");
        long[] v = new long[3];
        for (int i = 0; i < 3 && i < parts.length; i++) {
            if (!parts[i].matches("[0-9]{1,9}")) {
                return null;
            }
            v[i] = Long.parseLong(parts[i]);
        }
        return v;
    }

    @Override
    public ExtensionStatus deregisterExtension(long uuid) {
        synchronized (lock) {
            if (registrations.remove(uuid) == null) {
                return new ExtensionStatus(EXT_FAILED, "No extension UUID registered", 0);
            }
            event("deregistered " + uuid);
            lock.notifyAll();
            return new ExtensionStatus(EXT_SUCCESS, "OK", uuid);
        }
    }

    @Override
    public ExtensionResponse query(String sql) {
        return failed("FakeOsqueryd runs no SQL");
    }

    @Override
    public ExtensionResponse getQueryColumns(String sql) {
        return failed("FakeOsqueryd runs no SQL");
    }

    private static ExtensionResponse failed(String message) {
        return new ExtensionResponse(new ExtensionStatus(EXT_FAILED, message, 0), new ArrayList<>());
    }

    private String configPlugin() {
        InternalOptionInfo plugin = options.get("config_plugin");
        return plugin == null ? "filesystem" : plugin.getValue();
    }

    // ---- State, for assertions ----

    public List<Registration> registrations() {
        synchronized (lock) {
            return List.copyOf(registrations.values());
        }
    }

    public Optional<Registration> registration(long uuid) {
        synchronized (lock) {
            return Optional.ofNullable(registrations.get(uuid));
        }
    }

    /** Every registerExtension call so far, refused ones included. */
    public List<Attempt> attempts() {
        synchronized (lock) {
            return List.copyOf(attempts);
        }
    }

    /** What the double did, one line each (registrations, refusals, removals). */
    public List<String> events() {
        synchronized (lock) {
            return List.copyOf(events);
        }
    }

    /** How many times an extension pinged the manager. */
    public int managerPings() {
        return managerPings.get();
    }

    /** Successful pings of the extension by the manager. */
    public int goodPings(long uuid) {
        synchronized (lock) {
            return goodPings.getOrDefault(uuid, 0);
        }
    }

    public int shutdownRequests() {
        return shutdownRequests.get();
    }

    /** Waits for a registered extension (the first one) and returns it. */
    public Registration awaitRegistration(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            while (registrations.isEmpty()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IllegalStateException("no extension registered within " + timeout + "; " + events);
                }
                TimeUnit.NANOSECONDS.timedWait(lock, left);
            }
            return registrations.values().iterator().next();
        }
    }

    /** Waits until the extension with {@code uuid} is no longer registered; false on timeout. */
    public boolean awaitRemoved(long uuid, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            while (registrations.containsKey(uuid)) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(lock, left);
            }
            return true;
        }
    }

    // ---- osqueryd towards the extension: a new connection per call ----

    /** A Thrift call on an {@link Extension.Client}. */
    @FunctionalInterface
    public interface ExtensionCall<T> {
        T apply(Extension.Client client) throws TException;
    }

    /** Runs {@code call} on a new connection to the extension, with the call timeout. */
    public <T> T withExtension(long uuid, ExtensionCall<T> call) throws TException {
        return withExtension(uuid, callTimeout, call);
    }

    private <T> T withExtension(long uuid, Duration timeout, ExtensionCall<T> call) throws TException {
        UnixSocketTransport transport = UnixSocketTransport.connect(extensionSocket(uuid));
        try {
            Future<T> result = callers.submit(() -> call.apply(new Extension.Client(new TBinaryProtocol(transport))));
            try {
                return result.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                result.cancel(true);
                throw new TTransportException(TTransportException.TIMED_OUT,
                        "extension " + uuid + " did not answer within " + timeout);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof TException) {
                    throw (TException) e.getCause();
                }
                throw new TException(e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TException("interrupted", e);
            }
        } finally {
            transport.close();
        }
    }

    public ExtensionStatus pingExtension(long uuid) throws TException {
        return withExtension(uuid, Extension.Client::ping);
    }

    public ExtensionResponse callExtension(long uuid, String registry, String item, Map<String, String> request)
            throws TException {
        return withExtension(uuid, c -> c.call(registry, item, request));
    }

    /** The uuid of the extension that registered {@code table}. */
    public long ownerOf(String table) {
        synchronized (lock) {
            for (Registration r : registrations.values()) {
                if (r.tables().contains(table)) {
                    return r.uuid();
                }
            }
        }
        throw new IllegalStateException("no extension registered table " + table + "; " + events());
    }

    /** The only registered extension. */
    public Registration onlyExtension() {
        List<Registration> all = registrations();
        if (all.size() != 1) {
            throw new IllegalStateException("expected one registered extension, have " + all.size());
        }
        return all.get(0);
    }

    /** {@code call("table", table, request)} on the owner, status and all. */
    public ExtensionResponse callTableRaw(String table, Map<String, String> request) throws TException {
        return callExtension(ownerOf(table), "table", table, request);
    }

    /** {@code call("table", table, request)}: the rows, or {@link CallFailedException}. */
    public List<Map<String, String>> callTable(String table, Map<String, String> request) throws TException {
        ExtensionResponse response = callTableRaw(table, request);
        if (response.getStatus() == null) {
            throw new CallFailedException("table " + table + " " + request,
                    new ExtensionStatus(-1, "no status in the response", 0));
        }
        if (response.getStatus().getCode() != EXT_SUCCESS) {
            throw new CallFailedException("table " + table + " " + request, response.getStatus());
        }
        return response.getResponse() == null ? List.of() : response.getResponse();
    }

    /** {@code {"action":"columns"}}: the table's route list. */
    public List<Map<String, String>> columns(String table) throws TException {
        return callTable(table, Map.of("action", "columns"));
    }

    /** {@code {"action":"generate","context":contextJson}}: the rows. */
    public List<Map<String, String>> generate(String table, String contextJson) throws TException {
        return callTable(table, Map.of("action", "generate", "context", contextJson));
    }

    /** Calls {@code shutdown()} on the only registered extension, as osqueryd does when it exits. */
    public void shutdownExtension() throws TException {
        shutdownExtension(onlyExtension().uuid());
    }

    public void shutdownExtension(long uuid) throws TException {
        withExtension(uuid, c -> {
            c.shutdown();
            return null;
        });
    }

    /** A plain socket connection to the only extension, for sending it bytes of your choice. */
    public SocketChannel rawConnectToExtension() throws IOException {
        return rawConnectToExtension(onlyExtension().uuid());
    }

    public SocketChannel rawConnectToExtension(long uuid) throws IOException {
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            channel.connect(UnixDomainSocketAddress.of(extensionSocket(uuid)));
            return channel;
        } catch (IOException e) {
            channel.close();
            throw e;
        }
    }

    private void pingAll() {
        for (Registration r : registrations()) {
            boolean ok;
            try {
                ExtensionStatus status = withExtension(r.uuid(), maxOf(pingInterval, Duration.ofSeconds(1)),
                        Extension.Client::ping);
                ok = status != null && status.getCode() == EXT_SUCCESS;
            } catch (TException | RuntimeException e) {
                ok = false;
            }
            synchronized (lock) {
                if (ok) {
                    failedPings.put(r.uuid(), 0);
                    goodPings.merge(r.uuid(), 1, Integer::sum);
                } else if (failedPings.merge(r.uuid(), 1, Integer::sum) >= 2 && registrations.remove(r.uuid()) != null) {
                    event("removed " + r.info().getName() + " (" + r.uuid() + ") after 2 failed pings");
                    lock.notifyAll();
                }
            }
        }
    }

    private static Duration maxOf(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    /** Closes the manager socket and every connection to it, as osqueryd's exit would. */
    public void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        event("stopping");
        pinger.shutdownNow();
        server.stop();
        serverTransport.close();
        callers.shutdownNow();
        try {
            serveThread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stop();
    }

    private void event(String text) {
        synchronized (lock) {
            events.add(text);
        }
    }

    private static Map<String, Map<String, List<Map<String, String>>>> copy(
            Map<String, Map<String, List<Map<String, String>>>> registry) {
        Map<String, Map<String, List<Map<String, String>>>> out = new LinkedHashMap<>();
        registry.forEach((name, table) -> {
            Map<String, List<Map<String, String>>> items = new LinkedHashMap<>();
            table.forEach((item, routes) -> {
                List<Map<String, String>> list = new ArrayList<>();
                for (Map<String, String> route : routes) {
                    list.add(Map.copyOf(route));
                }
                items.put(item, List.copyOf(list));
            });
            out.put(name, items);
        });
        return out;
    }

    private static ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /**
     * The manager's server socket; remembers accepted connections so that {@link #stop()} can
     * close them too (a stopped osqueryd leaves no connection open).
     */
    private static final class TrackingServerTransport extends TServerTransport {
        private final UnixServerTransport delegate;
        private final Set<TTransport> open = new HashSet<>();
        private boolean listening;
        private boolean closed;

        TrackingServerTransport(UnixServerTransport delegate) {
            this.delegate = delegate;
        }

        @Override
        public synchronized void listen() throws TTransportException {
            if (!listening) {
                delegate.listen();
                listening = true;
            }
        }

        @Override
        public TTransport accept() throws TTransportException {
            TTransport client = delegate.accept();
            synchronized (this) {
                if (closed) {
                    client.close();
                    throw new TTransportException(TTransportException.NOT_OPEN, "closed");
                }
                open.removeIf(t -> !t.isOpen());
                open.add(client);
            }
            return client;
        }

        @Override
        public void close() {
            List<TTransport> clients;
            synchronized (this) {
                closed = true;
                clients = new ArrayList<>(open);
                open.clear();
            }
            delegate.close();
            for (TTransport t : clients) {
                t.close();
            }
        }

        @Override
        public void interrupt() {
            close();
        }
    }
}
