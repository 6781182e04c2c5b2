package io.vajra.fim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FimMatcherTest {
    private static FimMatcher matcher(String json) throws Exception {
        return new FimMatcher(FimConfig.parse(json));
    }

    private static WatchRoot r(String path, boolean recursive) {
        return new WatchRoot(path, recursive);
    }

    @Test
    void pathsGetTheirCategory() throws Exception {
        FimMatcher m = matcher("{\"file_paths\":{\"homes\":[\"/root/.ssh/%%\",\"/home/%/.ssh/%%\"],"
                + "\"etc\":[\"/etc/%%\"],\"bin\":[\"/bin/%sh\",\"/usr/bin/sudo\"]}}");
        assertEquals(Optional.of("homes"), m.categoryOf("/root/.ssh/authorized_keys"));
        assertEquals(Optional.of("homes"), m.categoryOf("/home/alice/.ssh/id_rsa"));
        assertEquals(Optional.of("etc"), m.categoryOf("/etc/ssh/sshd_config"));
        assertEquals(Optional.of("bin"), m.categoryOf("/bin/bash"));
        assertEquals(Optional.of("bin"), m.categoryOf("/usr/bin/sudo"));
        assertEquals(Optional.empty(), m.categoryOf("/usr/bin/sudoedit"));
        assertEquals(Optional.empty(), m.categoryOf("/bin/ls"));
        assertEquals(Optional.empty(), m.categoryOf("/etc"));
        assertEquals(Optional.empty(), m.categoryOf("/home/alice/.bashrc"));
        assertEquals(Optional.empty(), m.categoryOf(""));
        assertThrows(NullPointerException.class, () -> m.categoryOf(null));
    }

    @Test
    void exclusionsApplyWithinTheirCategoryOnly() throws Exception {
        FimMatcher m = matcher("{\"file_paths\":{\"etc\":[\"/etc/%%\"],\"secrets\":[\"/etc/shadow\",\"/etc/ssl/%%\"]},"
                + "\"exclude_paths\":{\"etc\":[\"/etc/shadow\",\"/etc/ssl/%%\",\"/etc/%.swp\"],"
                + "\"secrets\":[\"/etc/ssl/certs/%\"]}}");
        assertEquals(Optional.of("etc"), m.categoryOf("/etc/hosts"));
        assertEquals(Optional.of("secrets"), m.categoryOf("/etc/shadow"), "excluded from etc, still in secrets");
        assertEquals(Optional.of("secrets"), m.categoryOf("/etc/ssl/private/key.pem"));
        assertEquals(Optional.empty(), m.categoryOf("/etc/ssl/certs/ca.pem"), "excluded from both");
        assertEquals(Optional.of("secrets"), m.categoryOf("/etc/ssl/certs/sub/ca.pem"), "% is one level");
        assertEquals(Optional.empty(), m.categoryOf("/etc/.hosts.swp"));
        assertEquals(Optional.of("etc"), m.categoryOf("/etc/x/.hosts.swp"), "exclusion /etc/%.swp is one level");
    }

    @Test
    void exclusionsWithTrailingSlashAndExactPaths() throws Exception {
        FimMatcher m = matcher("{\"file_paths\":{\"tmp\":[\"/tmp/%%\"]},"
                + "\"exclude_paths\":{\"tmp\":[\"/tmp/too_many_events/\",\"/tmp/noisy\"]}}");
        assertEquals(Optional.empty(), m.categoryOf("/tmp/too_many_events/a"));
        assertEquals(Optional.of("tmp"), m.categoryOf("/tmp/too_many_events/a/b"), "trailing / is one level");
        assertEquals(Optional.of("tmp"), m.categoryOf("/tmp/too_many_events"), "the directory itself stays");
        assertEquals(Optional.empty(), m.categoryOf("/tmp/noisy"));
        assertEquals(Optional.of("tmp"), m.categoryOf("/tmp/noisy/x"), "an exact exclusion is that path only");
    }

    @Test
    void anExclusionForACategoryNotMonitoredIsIgnored() throws Exception {
        FimMatcher m = matcher("{\"file_paths\":{\"etc\":[\"/etc/%%\"]},\"exclude_paths\":{\"other\":[\"/etc/%%\"]}}");
        assertEquals(Optional.of("etc"), m.categoryOf("/etc/hosts"));
        assertEquals(Set.of(r("/etc", true)), m.watchRoots());
    }

    @Test
    void aPathInSeveralCategoriesGoesToTheFirstAndIsListedInAll() throws Exception {
        FimMatcher m = matcher("{\"file_paths\":{\"b\":[\"/etc/%%\"],\"a\":[\"/etc/passwd\"],\"c\":[\"/etc/\"]},"
                + "\"exclude_paths\":{\"c\":[\"/etc/passwd\"]}}");
        assertEquals(Optional.of("b"), m.categoryOf("/etc/passwd"));
        assertEquals(List.of("b", "a"), m.categoriesOf("/etc/passwd"));
        assertEquals(List.of("b", "c"), m.categoriesOf("/etc/group"));
        assertEquals(List.of(), m.categoriesOf("/var/x"));
    }

    @Test
    void accessesAreReportedOnlyForListedMonitoredCategories() throws Exception {
        FimMatcher m = matcher("{\"file_paths\":{\"homes\":[\"/home/%%\"],\"etc\":[\"/etc/%%\"]},"
                + "\"file_accesses\":[\"homes\",\"ghost\"]}");
        assertTrue(m.accessesReported("homes"));
        assertFalse(m.accessesReported("etc"));
        assertFalse(m.accessesReported("ghost"), "not in file_paths");
        assertFalse(m.accessesReported("HOMES"));
    }

    @Test
    void mergedSourcesAreMatchedTogether() throws Exception {
        Map<String, String> sources = new LinkedHashMap<>();
        sources.put("main", "{\"file_paths\":{\"etc\":[\"/etc/%\"]}}");
        sources.put("conf.d", "{\"file_paths\":{\"etc\":[\"/etc/ssh/%\"]},\"exclude_paths\":{\"etc\":[\"/etc/mtab\"]}}");
        FimMatcher m = new FimMatcher(FimConfig.parse(sources));
        assertEquals(Optional.of("etc"), m.categoryOf("/etc/hosts"));
        assertEquals(Optional.of("etc"), m.categoryOf("/etc/ssh/sshd_config"));
        assertEquals(Optional.empty(), m.categoryOf("/etc/mtab"));
        assertEquals(Set.of(r("/etc", false), r("/etc/ssh", false)), m.watchRoots());
    }

    @Test
    void oddPathsMatch() throws Exception {
        FimMatcher m = matcher("{\"file_paths\":{\"odd\":[\"/srv/my files/%\",\"/srv/Zo\\u00eb/%%\"]},"
                + "\"exclude_paths\":{\"odd\":[\"/srv/my files/skip\\nme\"]}}");
        assertEquals(Optional.of("odd"), m.categoryOf("/srv/my files/a b"));
        assertEquals(Optional.of("odd"), m.categoryOf("/srv/my files/new\nline"));
        assertEquals(Optional.empty(), m.categoryOf("/srv/my files/skip\nme"));
        assertEquals(Optional.of("odd"), m.categoryOf("/srv/Zoë/日本語/😀"));
        assertEquals(Set.of(r("/srv/my files", false), r("/srv/Zoë", true)), m.watchRoots());
    }

    @Test
    void watchRootsAreDeduplicated() throws Exception {
        FimMatcher m = matcher("{\"file_paths\":{"
                + "\"a\":[\"/etc/%%\",\"/etc/ssh/%\",\"/etc/passwd\",\"/etc/ssh/keys/%%\"],"
                + "\"b\":[\"/etc/\",\"/var/log/%\",\"/var/log/app/%%\",\"/home/%/.ssh/%%\",\"/home/%/.bashrc\"],"
                + "\"c\":[\"/usr/bin/sudo\",\"/usr/bin/%\",\"/etcetera/%\",\"/etc\"]}}");
        assertEquals(List.of(
                r("/", false),             // from the exact path /etc
                r("/etc", true),           // /etc/%% covers /etc/ssh, /etc/ssh/keys and /etc/ (merged)
                r("/etcetera", false),     // not inside /etc
                r("/home", true),
                r("/usr/bin", false),      // sudo and % share the root
                r("/var/log", false),
                r("/var/log/app", true)),  // inside /var/log, which is not recursive
                List.copyOf(m.watchRoots()));
    }

    @Test
    void aRecursiveRootOfSlashCoversEverything() throws Exception {
        FimMatcher m = matcher("{\"file_paths\":{\"all\":[\"/%%\"],\"etc\":[\"/etc/%\",\"/etc\"]}}");
        assertEquals(Set.of(r("/", true)), m.watchRoots());
    }

    @Test
    void exclusionsDoNotAddRoots() throws Exception {
        FimMatcher m = matcher("{\"file_paths\":{\"etc\":[\"/etc/%\"]},\"exclude_paths\":{\"etc\":[\"/var/%%\"]}}");
        assertEquals(Set.of(r("/etc", false)), m.watchRoots());
        assertThrows(UnsupportedOperationException.class, () -> m.watchRoots().clear());
    }

    @Test
    void anEmptyConfigMatchesNothing() {
        FimMatcher m = new FimMatcher(FimConfig.EMPTY);
        assertEquals(Optional.empty(), m.categoryOf("/etc/passwd"));
        assertTrue(m.watchRoots().isEmpty());
        assertFalse(m.accessesReported("etc"));
    }

    @Test
    void watchRootAncestry() {
        assertTrue(r("/etc", true).isAncestorOf("/etc/ssh"));
        assertFalse(r("/etc", true).isAncestorOf("/etc"));
        assertFalse(r("/etc", true).isAncestorOf("/etcetera"));
        assertTrue(r("/", true).isAncestorOf("/etc"));
        assertFalse(r("/", true).isAncestorOf("/"));
    }
}
