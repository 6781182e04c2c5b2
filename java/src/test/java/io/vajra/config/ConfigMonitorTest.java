package io.vajra.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ConfigMonitorTest {
    private String text = "{\"vajra\":{\"events_max\":10}}";
    private boolean unreachable;
    private final List<String> log = new ArrayList<>();
    private final List<VajraConfig> seen = new ArrayList<>();
    private final ConfigMonitor monitor = new ConfigMonitor(() -> {
        if (unreachable) {
            throw new ConfigException("cannot read it from osquery: gone");
        }
        return Map.of("main", text);
    }, log::add);

    @Test
    void takesAValidConfigAndTellsSubscribersOfChangesOnly() {
        monitor.subscribe((previous, current) -> seen.add(current));
        assertTrue(monitor.current().isEmpty());
        assertTrue(monitor.refresh());
        assertEquals(OptionalInt.of(10), monitor.current().eventsMax());
        assertFalse(monitor.refresh(), "same config, no news");
        text = "{\"vajra\":{\"events_max\":20}}";
        assertTrue(monitor.refresh());
        assertEquals(2, seen.size());
        assertEquals(OptionalInt.of(20), seen.get(1).eventsMax());
    }

    @Test
    void aBrokenOrUnreachableConfigKeepsThePreviousOne() {
        monitor.refresh();
        text = "{\"vajra\":{\"events_max\":";
        assertFalse(monitor.refresh());
        assertEquals(OptionalInt.of(10), monitor.current().eventsMax());
        assertTrue(log.get(0).startsWith("cannot use osquery's configuration, keeping the previous one: config source"
                + " main is not valid JSON"), log.toString());
        unreachable = true;
        assertFalse(monitor.refresh());
        assertEquals(OptionalInt.of(10), monitor.current().eventsMax());
        assertEquals("cannot use osquery's configuration, keeping the previous one: cannot read it from osquery: gone",
                log.get(1));
    }

    @Test
    void unknownKeysAreWarnedOnce() {
        text = "{\"vajra\":{\"fim\":true}}";
        monitor.refresh();
        text = "{\"vajra\":{\"fim\":true,\"events_max\":3}}";
        monitor.refresh();
        assertEquals(List.of("warning: unknown key vajra.fim in osquery's configuration, kept but not used"), log);
    }

    @Test
    void reReadsPeriodicallyUntilClosed() throws Exception {
        CountDownLatch changed = new CountDownLatch(1);
        monitor.subscribe((previous, current) -> changed.countDown());
        monitor.start(Duration.ofMillis(20));
        try {
            assertTrue(changed.await(5, TimeUnit.SECONDS));
        } finally {
            monitor.close();
        }
    }
}
