package io.vajra.format;

import java.util.ArrayList;
import java.util.List;

/** Splits captured argv bytes: each argument ends with a NUL, except a last one cut by the cap. */
public final class Argv {
    private Argv() {}

    /** The arguments as text ({@link RawText}); empty arguments are kept. */
    public static List<String> split(byte[] argv) {
        List<String> args = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < argv.length; i++) {
            if (argv[i] == 0) {
                args.add(RawText.decode(argv, start, i - start));
                start = i + 1;
            }
        }
        if (start < argv.length) {
            args.add(RawText.decode(argv, start, argv.length - start));
        }
        return args;
    }
}
