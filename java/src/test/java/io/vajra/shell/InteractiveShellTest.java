package io.vajra.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jline.terminal.Terminal;
import org.jline.terminal.impl.DumbTerminal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InteractiveShellTest {
    @TempDir
    Path home;

    private String interact(ShellFixture f, String typed, Path history) throws Exception {
        try (Terminal terminal = new DumbTerminal("test", "dumb",
                new ByteArrayInputStream(typed.getBytes(StandardCharsets.UTF_8)), new ByteArrayOutputStream(),
                StandardCharsets.UTF_8)) {
            f.shell.runInteractive(terminal, history);
        }
        return f.out.toString();
    }

    @Test
    void statementsSpanLinesUntilTheSemicolon() throws Exception {
        try (ShellFixture f = new ShellFixture(OutputMode.PRETTY)) {
            String out = interact(f, "SELECT 1 AS a,\n  2 AS b;\nSELECT 1 != 2 AS ne;\n.mode line\nSELECT 3 AS c;\n.quit\nSELECT 4;\n",
                    home.resolve(".vajra_history"));
            assertEquals(String.join("\n",
                    "Vajra interactive shell. Enter \".help\" for instructions.",
                    "+---+---+",
                    "| a | b |",
                    "+---+---+",
                    "| 1 | 2 |",
                    "+---+---+",
                    "+----+",
                    "| ne |",
                    "+----+",
                    "| 1  |",
                    "+----+",
                    "c = 3",
                    ""), out);
            assertEquals("", f.err.toString());
        }
    }

    @Test
    void historyIsSavedToTheFile() throws Exception {
        try (ShellFixture f = new ShellFixture(OutputMode.LIST)) {
            Path history = home.resolve("sub").resolve(".vajra_history");
            interact(f, "SELECT 42 AS answer;\n", history);
            String saved = Files.readString(history);
            assertTrue(saved.contains("SELECT 42 AS answer;"), saved);
        }
    }
}
