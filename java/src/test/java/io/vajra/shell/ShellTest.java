package io.vajra.shell;

import static io.vajra.testing.ProcessEventBuilder.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vajra.event.StoreSettings;
import org.junit.jupiter.api.Test;

class ShellTest {
    @Test
    void prettyModeDrawsABoxLikeOsqueryi() throws Exception {
        try (ShellFixture f = new ShellFixture(OutputMode.PRETTY)) {
            f.store.append(ShellFixture.now().build());
            f.store.append(ShellFixture.now().pid(7).path("/usr/bin/bash").build());
            assertEquals(String.join("\n",
                    "+-----+---------------+",
                    "| pid | path          |",
                    "+-----+---------------+",
                    "| 100 | /usr/bin/ls   |",
                    "| 7   | /usr/bin/bash |",
                    "+-----+---------------+",
                    ""), f.run("SELECT pid, path FROM bpf_process_events;\n"));
            assertEquals("", f.err.toString());
        }
    }

    @Test
    void prettyModeShowsNewlinesEscapedSoTheBoxHolds() throws Exception {
        try (ShellFixture f = new ShellFixture(OutputMode.PRETTY)) {
            f.store.append(ShellFixture.now().argv(bytes("echo\0a\nb\0"), 2).build());
            assertEquals(String.join("\n",
                    "+-------------+",
                    "| cmdline     |",
                    "+-------------+",
                    "| echo 'a\\nb' |",
                    "+-------------+",
                    ""), f.run("SELECT cmdline FROM bpf_process_events"));
        }
    }

    @Test
    void jsonLinesPrintOneTypedObjectPerRow() throws Exception {
        try (ShellFixture f = new ShellFixture(OutputMode.JSONL)) {
            f.store.append(ShellFixture.now().argv(bytes("ls\0-l\0my file\0"), 3).build());
            assertEquals("{\"pid\":100,\"path\":\"/usr/bin/ls\",\"cmdline\":\"ls -l 'my file'\","
                    + "\"json_cmdline\":\"[\\\"ls\\\",\\\"-l\\\",\\\"my file\\\"]\",\"missing\":null,\"half\":0.5}\n",
                    f.run("SELECT pid, path, cmdline, json_cmdline, NULL AS missing, 0.5 AS half FROM bpf_process_events;"),
                    f.err.toString());
        }
    }

    @Test
    void jsonModePrintsAnArray() throws Exception {
        try (ShellFixture f = new ShellFixture(OutputMode.JSON)) {
            f.store.append(ShellFixture.now().build());
            f.store.append(ShellFixture.now().pid(7).build());
            assertEquals("[\n  {\"pid\":100},\n  {\"pid\":7}\n]\n", f.run("SELECT pid FROM bpf_process_events"));
            assertEquals("[]\n", f.run("SELECT pid FROM bpf_process_events WHERE pid = 1"));
        }
    }

    @Test
    void lineCsvAndListModes() throws Exception {
        try (ShellFixture f = new ShellFixture(OutputMode.LINE)) {
            f.store.append(ShellFixture.now().argv(bytes("echo\0a,\"b\"\0"), 2).build());
            f.store.append(ShellFixture.now().pid(7).build());
            String query = "SELECT pid, cmdline FROM bpf_process_events;\n";
            assertEquals("    pid = 100\ncmdline = echo a,\"b\"\n\n    pid = 7\ncmdline = ls -l\n", f.run(query));
            assertEquals("pid,cmdline\n100,\"echo a,\"\"b\"\"\"\n7,ls -l\n", f.run(".mode csv\n" + query));
            assertEquals("pid|cmdline\n100|echo a,\"b\"\n7|ls -l\n", f.run(".mode list\n" + query));
        }
    }

    @Test
    void anOsquerydQueryRunsUnchanged() throws Exception {
        try (ShellFixture f = new ShellFixture(OutputMode.LIST)) {
            long now = System.currentTimeMillis() * 1_000_000L;
            f.store.append(ShellFixture.now().pid(1).unixNanos(now - 120_000_000_000L).build());
            f.store.append(ShellFixture.now().pid(2).unixNanos(now - 10_000_000_000L).build());
            assertEquals("pid|path|cmdline\n2|/usr/bin/ls|ls -l\n", f.run(
                    "SELECT pid, path, cmdline FROM bpf_process_events WHERE time > strftime('%s','now') - 60;"));
        }
    }

    @Test
    void tablesAreRefreshedBeforeEveryStatement() throws Exception {
        try (ShellFixture f = new ShellFixture(OutputMode.LIST, new StoreSettings(3, 1 << 20, 3600))) {
            assertEquals("", f.run("SELECT eid FROM bpf_process_events"));
            f.store.append(ShellFixture.now().build());
            f.store.append(ShellFixture.now().build());
            assertEquals("eid\n1\n2\n", f.run("SELECT eid FROM bpf_process_events"));
            f.store.append(ShellFixture.now().build());
            f.store.append(ShellFixture.now().build());
            f.store.append(ShellFixture.now().build());
            // Capacity 3: eids 1 and 2 left the store, so they leave the table.
            assertEquals("eid\n3\n4\n5\n", f.run("SELECT eid FROM bpf_process_events"));
            assertEquals("value\n2\n", f.run("SELECT value FROM vajra_stats WHERE name = 'evicted_capacity'"));
            f.store.append(ShellFixture.now().build());
            assertEquals("value\n3\n", f.run("SELECT value FROM vajra_stats WHERE name = 'evicted_capacity'"));
        }
    }

    @Test
    void selectStarShowsHiddenColumns() throws Exception {
        try (ShellFixture f = new ShellFixture(OutputMode.CSV)) {
            f.store.append(ShellFixture.now().build());
            String header = f.run("SELECT * FROM bpf_process_events").lines().findFirst().orElseThrow();
            assertTrue(header.startsWith("tid,pid,parent,uid,gid,cid,exit_code,probe_error,syscall,path,cwd,cmdline,"
                    + "duration,json_cmdline,ntime,time,eid,"), header);
        }
    }

    @Test
    void anErrorIsReportedAndTheShellGoesOn() throws Exception {
        try (ShellFixture f = new ShellFixture(OutputMode.LIST)) {
            f.store.append(ShellFixture.now().build());
            String out = f.run("SELECT * FROM nope;\nSELEC 1;\nSELECT pid FROM bpf_process_events;\n");
            assertEquals("pid\n100\n", out);
            assertEquals("Error: no such table: nope\nError: near \"SELEC\": syntax error\n", f.err.toString());
        }
    }

    @Test
    void theTablesAreReadOnly() throws Exception {
        try (ShellFixture f = new ShellFixture(OutputMode.LIST)) {
            f.store.append(ShellFixture.now().build());
            f.run("DELETE FROM bpf_process_events;");
            assertEquals("Error: attempt to write a readonly database\n", f.err.toString());
            assertEquals("count(*)\n1\n", f.run("SELECT count(*) FROM bpf_process_events;"));
        }
    }

    @Test
    void syncWorksInsideAUserTransaction() throws Exception {
        try (ShellFixture f = new ShellFixture(OutputMode.LIST)) {
            f.run("BEGIN;");
            f.store.append(ShellFixture.now().build());
            assertEquals("count(*)\n1\n", f.run("SELECT count(*) FROM bpf_process_events;"));
            f.run("COMMIT;");
            assertEquals("", f.err.toString());
        }
    }

    @Test
    void aLineMayHoldSeveralStatementsAndOmitTheLastSemicolon() throws Exception {
        try (ShellFixture f = new ShellFixture(OutputMode.LIST)) {
            assertEquals("a\n1\nb\n2\nc\n;\n", f.run("SELECT 1 AS a; SELECT 2 AS b; -- note\nSELECT ';' AS c"));
        }
    }

    @Test
    void aStatementBringsUpToDateOnlyTheTablesItNames() throws Exception {
        try (ShellFixture f = new ShellFixture(OutputMode.JSONL)) {
            f.store.append(ShellFixture.now().build());
            f.store.append(ShellFixture.now().build());
            f.run("SELECT count(*) AS n FROM vajra_stats;\n");
            assertEquals(0, mirroredRows(f), "the stats query left the event table alone");
            assertEquals("{\"n\":2}\n", f.run("SELECT count(*) AS n FROM BPF_PROCESS_EVENTS;\n"));
            assertEquals(2, mirroredRows(f));
        }
    }

    private static int mirroredRows(ShellFixture f) throws Exception {
        try (var st = f.database.connection().createStatement();
                var rs = st.executeQuery("SELECT count(*) FROM bpf_process_events")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    @Test
    void tableNamesAreMatchedAsWholeWords() {
        assertTrue(LiveDatabase.names("select * from bpf_process_events where pid = 1", "bpf_process_events"));
        assertTrue(LiveDatabase.names("SELECT 1 FROM \"bpf_process_events\"", "bpf_process_events"));
        assertFalse(LiveDatabase.names("SELECT * FROM vajra_bpf_process_events", "bpf_process_events"));
        assertFalse(LiveDatabase.names("SELECT * FROM bpf_process_events2", "bpf_process_events"));
    }

    @Test
    void dotCommands() throws Exception {
        try (ShellFixture f = new ShellFixture(OutputMode.PRETTY)) {
            assertEquals("  => bpf_process_events\n  => vajra_stats\n", f.run(".tables\n"));
            assertEquals("current output mode: pretty\n", f.run(".mode\n"));
            f.run(".mode bogus\n.nope\n");
            assertEquals("Error: unknown mode \"bogus\": use pretty, line, csv, list, json or jsonl\n"
                    + "Error: unknown command or invalid arguments: \"nope\". Enter \".help\" for help\n", f.err.toString());
            assertEquals("current output mode: jsonl\n", f.run(".mode jsonl\n.mode\n"));
            String schema = f.run(".schema vajra_stats\n");
            assertEquals("CREATE TABLE \"vajra_stats\" (\n"
                    + "  \"source\" TEXT, -- TEXT: Who keeps the counter: kernel, native, collector or store\n"
                    + "  \"family\" TEXT, -- TEXT: Event family the counter belongs to: process, socket, file, log or container\n"
                    + "  \"name\" TEXT, -- TEXT: Counter name\n"
                    + "  \"value\" INTEGER, -- BIGINT: Current value\n"
                    + "  \"description\" TEXT -- TEXT: What the counter counts\n"
                    + ");\n", schema);
            assertTrue(f.run(".schema bpf_process_events\n").contains("  \"time\" INTEGER, -- BIGINT HIDDEN ADDITIONAL INDEX: UNIX time"));
            assertTrue(f.run(".help\n").contains("SELECT * also shows hidden columns"));
        }
    }

    @Test
    void quitStopsReadingInput() throws Exception {
        try (ShellFixture f = new ShellFixture(OutputMode.LIST)) {
            assertEquals("a\n1\n", f.run("SELECT 1 AS a;\n.quit\nSELECT 2 AS b;\n"));
        }
    }

    @Test
    void eidAndTimeAreIndexed() throws Exception {
        try (ShellFixture f = new ShellFixture(OutputMode.LIST)) {
            assertEquals("name\nbpf_process_events_eid\nbpf_process_events_time\n",
                    f.run("SELECT name FROM sqlite_master WHERE type = 'index' ORDER BY name"));
        }
    }

    @Test
    void driverMessagesAreReducedToSqlitesOwn() {
        assertEquals("no such table: x",
                Shell.message(new java.sql.SQLException("[SQLITE_ERROR] SQL error or missing database (no such table: x)")));
        assertEquals("plain", Shell.message(new RuntimeException("plain")));
    }

    @Test
    void realsPrintLikeSqlite() {
        assertEquals("3.0", ResultPrinter.real(3.0));
        assertEquals("0.5", ResultPrinter.real(0.5));
        assertEquals("0.333333333333333", ResultPrinter.real(1.0 / 3));
        assertEquals("-2.25", ResultPrinter.real(-2.25));
        assertFalse(ResultPrinter.real(1e20).isEmpty());
    }
}
