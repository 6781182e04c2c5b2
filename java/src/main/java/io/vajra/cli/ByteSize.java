package io.vajra.cli;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Sizes on the command line: "65536", "64K", "16M", "1G", also "16MiB"/"16MB" (all binary). */
final class ByteSize implements ITypeConverter<Long> {
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(?:([kmg])(?:i?b)?|b)?");

    static long parse(String text) {
        Matcher m = SIZE.matcher(text.strip().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new TypeConversionException("'" + text + "' is not a size (examples: 65536, 64K, 16M, 1G)");
        }
        try {
            long number = Long.parseLong(m.group(1));
            int shift = m.group(2) == null ? 0 : switch (m.group(2)) {
                case "k" -> 10;
                case "m" -> 20;
                default -> 30;
            };
            if (number > (Long.MAX_VALUE >> shift)) {
                throw new NumberFormatException();
            }
            return number << shift;
        } catch (NumberFormatException e) {
            throw new TypeConversionException("'" + text + "' is too large");
        }
    }

    @Override
    public Long convert(String value) {
        return parse(value);
    }
}
