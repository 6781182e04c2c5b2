package io.vajra.bpf;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Loads libvajra.so: from the directory named by the {@code vajra.native.dir} property
 * (builds and tests), from the system library path (distribution packages), or from
 * inside the jar under {@link #RESOURCE}, copied to a private temporary file first.
 */
final class NativeLibrary {
    static final String RESOURCE = "/native/linux-x86_64/libvajra.so";
    private static boolean loaded;

    private NativeLibrary() {}

    static synchronized void load() {
        if (loaded) {
            return;
        }
        try {
            String dir = System.getProperty("vajra.native.dir");
            if (dir != null && Files.exists(Path.of(dir, "libvajra.so"))) {
                System.load(Path.of(dir, "libvajra.so").toAbsolutePath().toString());
            } else if (!loadFromSystemPath()) {
                System.load(extractFromJar().toString());
            }
            loaded = true;
        } catch (UnsatisfiedLinkError e) {
            throw new ProbeException(explain(e), e);
        } catch (IOException e) {
            throw new ProbeException("cannot unpack the native library from the jar: " + e.getMessage(), e);
        }
    }

    private static boolean loadFromSystemPath() {
        try {
            System.loadLibrary("vajra");
            return true;
        } catch (UnsatisfiedLinkError notInstalled) {
            return false;
        }
    }

    private static Path extractFromJar() throws IOException {
        try (InputStream in = NativeLibrary.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IOException("the jar has no " + RESOURCE + " (built for another platform?)");
            }
            Path file = Files.createTempFile("libvajra", ".so",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            file.toFile().deleteOnExit();
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            return file;
        }
    }

    private static String explain(UnsatisfiedLinkError e) {
        String message = String.valueOf(e.getMessage());
        if (message.contains("libbpf")) {
            return "libbpf is missing: install it with `apt-get install libbpf1` (Debian/Ubuntu) "
                    + "or `dnf install libbpf` (" + message + ")";
        }
        if (message.contains("libelf") || message.contains("libz")) {
            return "a library libbpf needs is missing: install libelf1 and zlib1g (" + message + ")";
        }
        return "cannot load Vajra's native library: " + message;
    }
}
