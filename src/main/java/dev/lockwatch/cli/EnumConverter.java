package dev.lockwatch.cli;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import picocli.CommandLine;

/**
 * An enum option's value, any case, with lockwatch's one-line message for anything else ("--postgres docker is not
 * one of auto, embedded, container"). The parameter-exception handler prints a conversion's message as it is.
 */
abstract class EnumConverter<E extends Enum<E>> implements CommandLine.ITypeConverter<E> {
    private final Class<E> type;
    private final String option;

    EnumConverter(Class<E> type, String option) {
        this.type = type;
        this.option = option;
    }

    @Override
    public E convert(String value) {
        for (E constant : type.getEnumConstants()) {
            if (constant.name().equalsIgnoreCase(value.strip())) {
                return constant;
            }
        }
        throw new Refused(option + " " + value + " is not one of " + names(type));
    }

    static String names(Class<? extends Enum<?>> type) {
        return Arrays.stream(type.getEnumConstants()).map(c -> c.name().toLowerCase(Locale.ROOT))
                .collect(Collectors.joining(", "));
    }

    /**
     * A value one of lockwatch's converters refuses, with the whole one-line message: printed as it is, unlike
     * picocli's own conversion errors, which need its "Invalid value for option" to name the option.
     */
    static final class Refused extends CommandLine.TypeConversionException {
        Refused(String message) {
            super(message);
        }
    }
}
