package io.vajra.cli;

import java.time.Duration;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** osqueryd's --timeout and --interval: seconds, a whole number (as osqueryd passes) or a decimal. */
final class SecondsText implements ITypeConverter<Duration> {
    static Duration parse(String text) {
        try {
            double seconds = Double.parseDouble(text.strip());
            if (!(seconds >= 0) || seconds > 1e9) {
                throw new NumberFormatException();
            }
            return Duration.ofNanos(Math.round(seconds * 1e9));
        } catch (NumberFormatException e) {
            throw new TypeConversionException("'" + text + "' is not a number of seconds");
        }
    }

    @Override
    public Duration convert(String value) {
        return parse(value);
    }
}
