package dev.lockwatch.cli;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/** Reads {@code 5s}, {@code 500ms}, {@code 2min} or a bare number of seconds. */
final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    /** No lockwatch wait is meant to last longer; beyond it, the clocks' arithmetic would overflow. */
    private static final Duration MAX = Duration.ofDays(7);
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|min|m|h)?");

    @Override
    public Duration convert(String value) {
        Matcher m = DURATION.matcher(value.trim());
        if (!m.matches()) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not a duration such as 5s, 500ms or 2min");
        }
        String unit = m.group(2) == null ? "s" : m.group(2);
        try {
            long amount = Long.parseLong(m.group(1));
            Duration duration = switch (unit) {
                case "ms" -> Duration.ofMillis(amount);
                case "min", "m" -> Duration.ofMinutes(amount);
                case "h" -> Duration.ofHours(amount);
                default -> Duration.ofSeconds(amount);
            };
            if (duration.compareTo(MAX) > 0) {
                throw new ArithmeticException();
            }
            return duration;
        } catch (ArithmeticException | NumberFormatException e) {
            throw new CommandLine.TypeConversionException("'" + value + "' is longer than a week");
        }
    }
}
