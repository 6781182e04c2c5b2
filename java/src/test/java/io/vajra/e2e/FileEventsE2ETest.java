package io.vajra.e2e;

import static io.vajra.e2e.KernelPipeline.where;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vajra.bpf.ProbeSettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** bpf_file_events end to end on the real kernel. */
class FileEventsE2ETest {
    private static KernelPipeline pipeline;
    private static Path root;

    @BeforeAll
    static void start() throws IOException {
        root = Files.createTempDirectory(Path.of("/tmp"), "vajra-fim-");
        pipeline = new KernelPipeline(new ProbeSettings(1 << 24, 32 << 10, true, true, true));
        pipeline.watch("{\"file_paths\": {\"tree\": [\"" + root + "/%%\"]}}");
    }

    @AfterAll
    static void stop() {
        if (pipeline != null) {
            pipeline.close();
        }
    }

    @Test
    void smoke() throws Exception {
        Path f = root.resolve("a.txt");
        Files.writeString(f, "hello", StandardCharsets.UTF_8);
        Thread.sleep(1000);
        System.err.println(pipeline.collector.counters().asMap());
        System.err.println(pipeline.fim.rows().counters());
        System.err.println(pipeline.fim.watchSet());
        List<Map<String, Object>> rows = pipeline.awaitFile(2, where("target_path", f.toString()));
        System.err.println(KernelPipeline.abbreviated(rows));
        Files.delete(f);
        rows = pipeline.awaitFile(1, where("action", "DELETED"));
        System.err.println(KernelPipeline.abbreviated(rows));
        assertEquals(1, rows.size());
    }
}
