package io.vajra.fim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vajra.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class FimPathPatternTest {
    private static PathPattern p(String text) {
        try {
            return PathPattern.parse(text);
        } catch (ConfigException e) {
            throw new AssertionError(e);
        }
    }

    private static String failure(String text) {
        return assertThrows(ConfigException.class, () -> PathPattern.parse(text)).getMessage();
    }

    private static void matches(String pattern, String... paths) {
        for (String path : paths) {
            assertTrue(p(pattern).matches(path), pattern + " should match " + path);
        }
    }

    private static void missesAll(String pattern, String... paths) {
        for (String path : paths) {
            assertFalse(p(pattern).matches(path), pattern + " should not match " + path);
        }
    }

    @Test
    void aPatternWithoutWildcardsIsThatExactPath() {
        matches("/etc/passwd", "/etc/passwd");
        missesAll("/etc/passwd", "/etc/passwd2", "/etc/passwd/x", "/etc", "/etc/passw", "/ETC/passwd", "etc/passwd");
        matches("/etc", "/etc");
        missesAll("/etc", "/etc/hosts", "/etcx");
        assertFalse(p("/etc/passwd").hasWildcard());
        assertEquals("/etc", p("/etc/passwd").watchRoot());
        assertFalse(p("/etc/passwd").recursive());
        assertEquals("/", p("/etc").watchRoot());
    }

    @Test
    void percentMatchesOneLevel() {
        matches("/etc/%", "/etc/hosts", "/etc/ssh", "/etc/.hidden", "/etc/a b");
        missesAll("/etc/%", "/etc", "/etc/", "/etc/ssh/sshd_config", "/etcx/hosts", "/var/etc/hosts");
        assertEquals("/etc", p("/etc/%").watchRoot());
        assertFalse(p("/etc/%").recursive());
    }

    @Test
    void percentInTheMiddleMatchesOneLevelThere() {
        matches("/home/%/.ssh/authorized_keys", "/home/alice/.ssh/authorized_keys", "/home/bob/.ssh/authorized_keys");
        missesAll("/home/%/.ssh/authorized_keys", "/home/.ssh/authorized_keys", "/home/a/b/.ssh/authorized_keys",
                "/home/alice/.ssh/authorized_keys2");
        PathPattern homes = p("/home/%/.ssh/authorized_keys");
        assertEquals("/home", homes.watchRoot());
        assertTrue(homes.recursive(), "new user directories below /home must be followed");
    }

    @Test
    void doublePercentMatchesEverythingBelow() {
        matches("/etc/%%", "/etc/hosts", "/etc/ssh", "/etc/ssh/sshd_config", "/etc/a/b/c/d/e");
        missesAll("/etc/%%", "/etc", "/etc/", "/etcx/hosts", "/var/etc/hosts");
        assertEquals("/etc", p("/etc/%%").watchRoot());
        assertTrue(p("/etc/%%").recursive());
        matches("/home/%/.ssh/%%", "/home/alice/.ssh/id_rsa", "/home/alice/.ssh/a/b");
        missesAll("/home/%/.ssh/%%", "/home/alice/.ssh", "/home/alice/.bashrc");
        assertEquals("/home", p("/home/%/.ssh/%%").watchRoot());
        assertTrue(p("/home/%/.ssh/%%").recursive());
    }

    @Test
    void suffixAndPrefixWithinOneLevel() {
        matches("/bin/%sh", "/bin/bash", "/bin/zsh", "/bin/sh");
        missesAll("/bin/%sh", "/bin/bash2", "/bin/x/bash", "/bin/shx");
        matches("/etc/cron%", "/etc/crontab", "/etc/cron.d", "/etc/cron");
        missesAll("/etc/cron%", "/etc/cron.d/job", "/etc/anacrontab");
        matches("/etc/%.conf", "/etc/resolv.conf", "/etc/.conf");
        missesAll("/etc/%.conf", "/etc/resolv.conf.bak", "/etc/sub/x.conf", "/etc/resolvxconf");
        matches("/var/log/app-%.log", "/var/log/app-1.log");
        missesAll("/var/log/app-%.log", "/var/log/app-1.log.gz", "/var/log/app-/x.log");
        matches("/home/%/.%rc", "/home/a/.bashrc", "/home/a/.zshrc");
        missesAll("/home/%/.%rc", "/home/a/bashrc", "/home/a/b/.bashrc");
        assertEquals("/bin", p("/bin/%sh").watchRoot());
        assertFalse(p("/bin/%sh").recursive());
        assertEquals("/srv", p("/srv/www%/index.html").watchRoot());
        assertTrue(p("/srv/www%/index.html").recursive());
    }

    @Test
    void prefixThenDoublePercentMatchesThoseEntriesAndEverythingBelowThem() {
        matches("/var/log/app%%", "/var/log/app", "/var/log/app.log", "/var/log/apps/x/y");
        missesAll("/var/log/app%%", "/var/log/other", "/var/log", "/var/lo/app");
        assertEquals("/var/log", p("/var/log/app%%").watchRoot());
        assertTrue(p("/var/log/app%%").recursive());
    }

    @Test
    void aTrailingSlashMeansTheFilesWithinTheDirectory() {
        PathPattern slash = p("/etc/");
        assertEquals(p("/etc/%"), slash);
        assertEquals("/etc/%", slash.normalized());
        assertEquals("/etc/", slash.text());
        matches("/etc/", "/etc/hosts", "/etc/ssh");
        missesAll("/etc/", "/etc", "/etc/ssh/sshd_config");
        assertEquals("/etc", slash.watchRoot());
        assertFalse(slash.recursive());
        matches("/Users/%/Library/", "/Users/a/Library/x");
        missesAll("/Users/%/Library/", "/Users/a/Library", "/Users/a/Library/x/y");
        assertEquals(p("/"), p("/%"));
        assertEquals("/", p("/").watchRoot());
        matches("/", "/etc");
        missesAll("/", "/", "/etc/hosts");
    }

    @Test
    void rootRecursive() {
        matches("/%%", "/etc", "/etc/hosts");
        missesAll("/%%", "/");
        assertEquals("/", p("/%%").watchRoot());
        assertTrue(p("/%%").recursive());
    }

    @Test
    void starsAreAcceptedAsOsqueryAcceptsThem() {
        assertEquals(p("/etc/%%"), p("/etc/**"));
        assertEquals(p("/bin/%sh"), p("/bin/*sh"));
        assertEquals("/home/%/.ssh/%%", p("/home/*/.ssh/**").normalized());
        matches("/etc/*", "/etc/hosts");
    }

    @Test
    void repeatedSlashesCollapse() {
        assertEquals(p("/etc/ssh/%"), p("//etc//ssh///%"));
        assertEquals("/etc/ssh", p("//etc//ssh///%").watchRoot());
    }

    @ParameterizedTest
    @ValueSource(strings = {"/%%/x", "/etc/%%/passwd", "/home/%%/.ssh/%", "/a%%b", "/etc/%%x", "/etc/%%/", "/%%/"})
    void doublePercentAnywhereButTheEndIsRefused(String pattern) {
        assertEquals("pattern \"" + pattern + "\": %% may only end a pattern", failure(pattern));
    }

    @Test
    void otherBadPatternsAreRefusedClearly() {
        assertEquals("pattern \"\" is empty", failure(""));
        assertEquals("pattern \"\" is empty", failure(null));
        assertEquals("pattern \"etc/%\" must be an absolute path (start with /)", failure("etc/%"));
        assertEquals("pattern \"%%\" must be an absolute path (start with /)", failure("%%"));
        assertEquals("pattern \"/etc/%%%\" has 3 wildcards in a row; use % (one level) or %% (recursive)",
                failure("/etc/%%%"));
        assertEquals("pattern \"/etc/../root\" must not contain \"..\" levels", failure("/etc/../root"));
        assertEquals("pattern \"/etc/./x\" must not contain \".\" levels", failure("/etc/./x"));
        assertEquals("pattern \"/etc/a\\u0000b\" contains a NUL character", failure("/etc/a\0b"));
        assertEquals("pattern \"/tmp/a\\nb/%%/c\": %% may only end a pattern", failure("/tmp/a\nb/%%/c"));
    }

    @Test
    void pathsWithSpacesNewlinesUnicodeAndRegexCharacters() {
        matches("/srv/my files/%", "/srv/my files/a b.txt");
        matches("/srv/%%", "/srv/line\nbreak/file", "/srv/a\nb");
        matches("/tmp/%", "/tmp/new\nline");
        missesAll("/tmp/%", "/tmp/new\n/line");
        matches("/tmp/a\nb", "/tmp/a\nb");
        missesAll("/tmp/a\nb", "/tmp/a\nbc", "/tmp/ab");
        matches("/home/Zoë/日本語/%", "/home/Zoë/日本語/ファイル", "/home/Zoë/日本語/😀");
        missesAll("/home/Zoë/日本語/%", "/home/Zoe/日本語/x");
        matches("/opt/a.b+c(d)[e]{f}^$|\\Q\\E/%.x", "/opt/a.b+c(d)[e]{f}^$|\\Q\\E/y.x");
        missesAll("/opt/a.b/%", "/opt/aXb/y");
        matches("/opt/?/x", "/opt/?/x");
        missesAll("/opt/?/x", "/opt/a/x");
        assertEquals("/srv/my files", p("/srv/my files/%").watchRoot());
        assertEquals("/home/Zoë/日本語", p("/home/Zoë/日本語/%%").watchRoot());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "/etc/passwd            | /etc     | false",
        "/etc/%                 | /etc     | false",
        "/etc/                  | /etc     | false",
        "/etc/%%                | /etc     | true",
        "/etc/ssh/%.pub         | /etc/ssh | false",
        "/home/%/.ssh/%%        | /home    | true",
        "/home/%/.bashrc        | /home    | true",
        "/%                     | /        | false",
        "/x%/y                  | /        | true",
        "/var/log/app%%         | /var/log | true",
    })
    void watchRootIsTheDeepestDirectoryWithoutAWildcard(String pattern, String root, boolean recursive) {
        assertEquals(root, p(pattern).watchRoot(), pattern);
        assertEquals(recursive, p(pattern).recursive(), pattern);
    }

    @Test
    void equalityIsByNormalizedForm() {
        assertEquals(p("/etc/%").hashCode(), p("/etc/").hashCode());
        assertNotEquals(p("/etc/%"), p("/etc/%%"));
        assertEquals("/etc/", p("/etc/").toString());
    }
}
