package io.vajra.osquery;

import io.vajra.config.ConfigMonitor;
import io.vajra.config.VajraConfig;
import io.vajra.event.StoreSettings;
import io.vajra.osquery.thrift.ExtensionStatus;
import io.vajra.osquery.thrift.InternalExtensionInfo;
import io.vajra.osquery.thrift.InternalOptionInfo;
import io.vajra.table.Table;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.thrift.TException;
import org.apache.thrift.transport.TTransportException;

/**
 * Vajra as an osquery extension, from start to exit:
 *
 * <ol>
 *   <li>wait for the manager socket to answer {@code ping} (up to {@code --timeout});
 *   <li>read osqueryd's flags ({@code options()}) and its configuration's {@code "vajra"}
 *       section; {@code --disable_events=true} means no probe is loaded at all;
 *   <li>start collecting, then register the tables; if osquery already owns a table name,
 *       register again with the prefixed names;
 *   <li>serve the {@code Extension} service on {@code <socket>.<uuid>};
 *   <li>every {@code --interval}, check that the manager still lists this extension; exit
 *       when it is gone, no longer lists us, or asks us to {@code shutdown()}.
 * </ol>
 *
 * Exit codes: 0 for every orderly end (osquery gone or asking), 1 when start-up fails.
 */
public final class ExtensionRuntime {
    public static final String EXTENSION_NAME = "vajra";
    /** Any version >= 1.7.7 passes osqueryd's check; report the osquery generation we speak. */
    public static final String SDK_VERSION = "5.0.0";
    public static final String MIN_SDK_VERSION = "0.0.0";
    public static final int EXIT_OK = 0;
    public static final int EXIT_FAILURE = 1;

    private static final Pattern NAME_CONFLICT =
            Pattern.compile("Registry item (.+) conflicts with another item of the same name\\.?");
    private static final Duration RETRY_PAUSE = Duration.ofMillis(150);
    private static final Duration MIN_CALL_DEADLINE = Duration.ofSeconds(3);
    private static final int FAILED_CHECKS_TO_EXIT = 2;

    private final ExtensionSettings settings;
    private final RunningTables.Starter starter;
    private final ExtensionLog log;
    private final ReaderCursors cursors;
    private final CompletableFuture<String> stopRequest = new CompletableFuture<>();

    public ExtensionRuntime(ExtensionSettings settings, RunningTables.Starter starter, ExtensionLog log) {
        this.settings = settings;
        this.starter = starter;
        this.log = log;
        this.cursors = new ReaderCursors(ReaderCursors.DEFAULT_CAPACITY, (table, reader) ->
                log.warn("forgot where reader " + reader + " of " + table + " stopped (more than "
                        + ReaderCursors.DEFAULT_CAPACITY + " readers); its next query sees every event held"));
    }

    /** Runs until osquery goes away or asks us to stop; returns the exit code. */
    public int run() {
        log.detail("starting " + EXTENSION_NAME + " " + settings.version() + " for osqueryd"
                + (settings.osqueryPid() == null ? "" : " pid " + settings.osqueryPid())
                + ": socket " + settings.socket() + ", timeout " + ManagerClient.seconds(settings.timeout())
                + ", interval " + ManagerClient.seconds(settings.interval()));
        try (ManagerClient manager = new ManagerClient(settings.socket())) {
            if (!awaitManager(manager)) {
                return EXIT_FAILURE;
            }
            Map<String, InternalOptionInfo> rawOptions;
            try {
                rawOptions = manager.call(callDeadline(), m -> m.options());
            } catch (TException e) {
                log.info("cannot read osquery's options: " + e.getMessage());
                return EXIT_FAILURE;
            }
            OsqueryOptions options = new OsqueryOptions(rawOptions, log);
            try (ConfigMonitor config = new ConfigMonitor(
                    new OsqueryConfigSource(manager, options.configPlugin()), log::info)) {
                config.refresh();
                return serve(manager, options, config);
            }
        }
    }

    private int serve(ManagerClient manager, OsqueryOptions options, ConfigMonitor config) {
        VajraConfig vajra = config.current();
        CollectionPlan plan = plan(options, vajra);
        RunningTables running;
        try {
            running = starter.start(plan, config);
        } catch (RuntimeException e) {
            log.info("cannot start collecting: " + e.getMessage());
            return EXIT_FAILURE;
        }
        log.info(running.summary());
        Shutdown shutdown = new Shutdown(running);
        try {
            String prefix = settings.tablePrefix().or(vajra::tablePrefix).orElse(ExtensionSettings.DEFAULT_TABLE_PREFIX);
            List<TablePlugin> plugins = new ArrayList<>();
            for (Table table : running.tables()) {
                plugins.add(new TablePlugin(table, table.name(), cursors, log));
            }
            Registration registration = register(manager, plugins, prefix);
            if (registration == null) {
                return EXIT_FAILURE;
            }
            long uuid = registration.uuid();
            Path socket = Path.of(settings.socket() + "." + uuid);
            ExtensionHandler handler = new ExtensionHandler(registration.tables(), uuid, log);
            try {
                shutdown.server = ExtensionServer.start(socket, new ExtensionProcessor(handler,
                        () -> stopRequest.complete("osquery asked the extension to shut down")));
            } catch (TTransportException e) {
                log.info("cannot serve osquery on " + socket + ": " + e.getMessage());
                deregister(manager, uuid);
                return EXIT_FAILURE;
            }
            log.info("registered as uuid " + uuid + ", tables: "
                    + registration.tables().stream().map(TablePlugin::name).collect(Collectors.joining(", ")));
            watchConfig(config, vajra, prefix);
            String reason = watch(manager, uuid);
            log.info("stopping: " + reason);
            return EXIT_OK;
        } finally {
            shutdown.run();
        }
    }

    /** Pings until the manager answers or the timeout passes (at least one try). */
    private boolean awaitManager(ManagerClient manager) {
        long deadline = System.nanoTime() + settings.timeout().toNanos();
        String lastError;
        while (true) {
            try {
                ExtensionStatus status = manager.call(MIN_CALL_DEADLINE, m -> m.ping());
                if (status != null && status.getCode() == 0) {
                    return true;
                }
                lastError = "ping answered code " + (status == null ? "none" : status.getCode() + ": " + status.getMessage());
            } catch (TException e) {
                lastError = e.getMessage();
            }
            if (System.nanoTime() - deadline >= 0) {
                log.info("osquery's extension manager at " + settings.socket() + " did not answer within "
                        + ManagerClient.seconds(settings.timeout()) + ": " + lastError);
                return false;
            }
            if (!pause(RETRY_PAUSE)) {
                return false;
            }
        }
    }

    /** What osquery asks of collection: its flags, overridden by the "vajra" config section. */
    private CollectionPlan plan(OsqueryOptions options, VajraConfig vajra) {
        boolean collect = !options.bool(OsqueryOptions.DISABLE_EVENTS).orElse(false);
        if (!collect) {
            log.info("osquery runs with --disable_events=true: no events are collected and the tables stay empty"
                    + " (start osqueryd with --disable_events=false to collect)");
        }
        if (!options.bool(OsqueryOptions.ENABLE_BPF_EVENTS).orElse(true)) {
            log.info("--enable_bpf_events=false only concerns osquery's own BPF tables;"
                    + " Vajra follows --disable_events alone");
        }
        OptionalLong osqueryMax = options.positive(OsqueryOptions.EVENTS_MAX, Integer.MAX_VALUE);
        OptionalInt eventsMax = vajra.eventsMax().isPresent() ? vajra.eventsMax()
                : osqueryMax.isPresent() ? OptionalInt.of((int) osqueryMax.getAsLong()) : OptionalInt.empty();
        OptionalLong expiry = vajra.eventsExpirySeconds().isPresent() ? vajra.eventsExpirySeconds()
                : options.positive(OsqueryOptions.EVENTS_EXPIRY, StoreSettings.MAX_EXPIRY_SECONDS);
        return new CollectionPlan(collect, eventsMax, expiry, vajra.argvCap());
    }

    private record Registration(long uuid, List<TablePlugin> tables) {}

    /** Registers; on a name conflict, once more with prefixed names. Null when refused. */
    private Registration register(ManagerClient manager, List<TablePlugin> plugins, String prefix) {
        ExtensionStatus status = registerOnce(manager, plugins);
        if (status == null) {
            return null;
        }
        if (status.getCode() == 0) {
            return new Registration(status.getUuid(), plugins);
        }
        Matcher conflict = NAME_CONFLICT.matcher(Objects.toString(status.getMessage(), "").strip());
        List<TablePlugin> renamed = new ArrayList<>();
        List<String> renames = new ArrayList<>();
        for (TablePlugin plugin : plugins) {
            if (plugin.name().startsWith(prefix)) {
                renamed.add(plugin);
            } else {
                renamed.add(plugin.renamed(prefix + plugin.name()));
                renames.add(plugin.name() + " as " + prefix + plugin.name());
            }
        }
        if (!conflict.matches() || renames.isEmpty()) {
            log.info("osquery refused to register the extension: " + status.getMessage());
            return null;
        }
        log.info("osquery already has a table named " + conflict.group(1) + "; registering "
                + String.join(", ", renames) + " instead");
        status = registerOnce(manager, renamed);
        if (status == null) {
            return null;
        }
        if (status.getCode() != 0) {
            log.info("osquery refused to register the extension with prefixed table names too: " + status.getMessage());
            return null;
        }
        return new Registration(status.getUuid(), renamed);
    }

    private ExtensionStatus registerOnce(ManagerClient manager, List<TablePlugin> plugins) {
        InternalExtensionInfo info = new InternalExtensionInfo(EXTENSION_NAME, settings.version(), SDK_VERSION,
                MIN_SDK_VERSION);
        Map<String, List<Map<String, String>>> tables = new LinkedHashMap<>();
        for (TablePlugin plugin : plugins) {
            tables.put(plugin.name(), plugin.routes());
        }
        try {
            ExtensionStatus status = manager.call(callDeadline(), m -> m.registerExtension(info, Map.of("table", tables)));
            if (status == null) {
                log.info("osquery answered registerExtension without a status");
            }
            return status;
        } catch (TException e) {
            log.info("cannot register with osquery: " + e.getMessage());
            return null;
        }
    }

    private void deregister(ManagerClient manager, long uuid) {
        try {
            manager.call(callDeadline(), m -> m.deregisterExtension(uuid));
        } catch (TException e) {
            log.detail("cannot deregister uuid " + uuid + ": " + e.getMessage());
        }
    }

    /** Settings read once at start; say so when the configuration changes them later. */
    private void watchConfig(ConfigMonitor config, VajraConfig applied, String prefix) {
        config.subscribe((previous, current) -> {
            List<String> changed = new ArrayList<>();
            if (!current.argvCap().equals(applied.argvCap())) {
                changed.add("argv_cap");
            }
            if (!current.eventsMax().equals(applied.eventsMax())) {
                changed.add("events_max");
            }
            if (!current.eventsExpirySeconds().equals(applied.eventsExpirySeconds())) {
                changed.add("events_expiry");
            }
            if (!current.tablePrefix().equals(applied.tablePrefix())) {
                changed.add("table_prefix");
            }
            if (!changed.isEmpty()) {
                log.info("osquery's configuration changed " + String.join(", ", changed)
                        + "; this takes effect when the extension restarts");
            }
        });
        config.start(settings.configRefresh());
    }

    /** Checks the manager every interval; returns why the extension should stop. */
    private String watch(ManagerClient manager, long uuid) {
        Duration deadline = settings.interval().compareTo(Duration.ofSeconds(1)) > 0 ? settings.interval() : Duration.ofSeconds(1);
        int failures = 0;
        while (true) {
            try {
                return stopRequest.get(settings.interval().toNanos(), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                // time for a check
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "interrupted";
            } catch (ExecutionException e) {
                return "stop requested: " + e.getCause();
            }
            try {
                Map<Long, InternalExtensionInfo> listed = manager.call(deadline, m -> {
                    ExtensionStatus pong = m.ping();
                    if (pong == null || pong.getCode() != 0) {
                        throw new TException("ping answered " + (pong == null ? "no status" : "code " + pong.getCode()));
                    }
                    return m.extensions();
                });
                if (listed == null || !listed.containsKey(uuid)) {
                    return "osquery no longer lists this extension (uuid " + uuid + ")";
                }
                failures = 0;
            } catch (ManagerUnreachableException e) {
                return "osquery's extension manager is gone (" + e.getMessage() + ")";
            } catch (TException e) {
                failures++;
                if (failures >= FAILED_CHECKS_TO_EXIT) {
                    return "osquery's extension manager failed " + failures + " checks in a row: " + e.getMessage();
                }
                log.warn("osquery's extension manager did not answer a check: " + e.getMessage());
            }
        }
    }

    private Duration callDeadline() {
        return settings.timeout().compareTo(MIN_CALL_DEADLINE) > 0 ? settings.timeout() : MIN_CALL_DEADLINE;
    }

    private static boolean pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Stops serving (removing the socket file) and collecting (detaching every probe), once:
     * on the way out of {@link #serve}, or from the JVM shutdown hook on SIGTERM/SIGINT.
     */
    private final class Shutdown implements Runnable {
        private final RunningTables running;
        private final AtomicBoolean done = new AtomicBoolean();
        private final Thread hook;
        volatile ExtensionServer server;

        Shutdown(RunningTables running) {
            this.running = running;
            this.hook = new Thread(() -> {
                if (!done.get()) {
                    log.info("stopping: terminated by a signal");
                }
                stopAll();
            }, "vajra-extension-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
        }

        @Override
        public void run() {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or about to; stopAll is idempotent
            }
            stopAll();
        }

        private void stopAll() {
            if (!done.compareAndSet(false, true)) {
                return;
            }
            ExtensionServer s = server;
            if (s != null) {
                s.close();
            }
            running.close();
        }
    }
}
