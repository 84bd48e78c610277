package dev.lockwatch.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lockwatch.config.Settings;
import dev.lockwatch.model.LockwatchException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgGroupSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * Turns the config file's keys into the command-line arguments they stand for, so the file yields exactly the
 * values the flags would: key {@code pg-version = "15"} is {@code --pg-version=15}, a list repeats the option,
 * a table passes {@code NAME=VALUE} pairs ({@code rule = { non-concurrent-index = "warning" }} is
 * {@code --rule=non-concurrent-index=warning}). Any long option of the command is a key, including ones added
 * later; an option given on the command line wins over its key, and so does an option that excludes it
 * (the alternatives of an exclusive {@code @ArgGroup}: {@code --from}/{@code --to} versus {@code --git-base}). Relative paths resolve against the file's folder.
 */
final class SettingsArguments {
    /** Options that locate the config file or end the program: not settings. */
    private static final Set<String> NOT_SETTINGS = Set.of("config", "help", "version");
    /** Options whose value is FORMAT=PATH. */
    private static final Set<String> PATH_AFTER_EQUALS = Set.of("report");

    private SettingsArguments() {
    }

    /** The arguments {@code settings} adds to what the command line {@code parsed} already says. */
    static List<String> arguments(Settings settings, CommandSpec spec, ParseResult parsed) {
        List<String> arguments = new ArrayList<>();
        for (Map.Entry<String, JsonNode> entry : settings.values().entrySet()) {
            String key = entry.getKey();
            OptionSpec option = NOT_SETTINGS.contains(key) || key.startsWith("-") ? null : spec.findOption("--" + key);
            if (option == null) {
                throw LockwatchException.usage(settings.describe() + ": unknown key '" + key + "'" + suggestion(key, spec)
                        + "; keys are the long options of lockwatch " + spec.name() + " (" + keys(spec) + ") and allow");
            }
            if (parsed.hasMatchedOption(option) || excludedByCommandLine(option, spec, parsed)) {
                continue;
            }
            arguments.addAll(arguments(settings, option, key, entry.getValue()));
        }
        return arguments;
    }

    private static List<String> arguments(Settings settings, OptionSpec option, String key, JsonNode value) {
        String name = "--" + key;
        List<String> result = new ArrayList<>();
        if (value.isBoolean() && option.arity().max() == 0) {
            if (value.booleanValue()) {
                result.add(name);
            }
            return result;
        }
        if ((value.isArray() || value.isObject()) && !option.isMultiValue()) {
            throw LockwatchException.usage(settings.describe() + ": key '" + key + "' takes one value, not a "
                    + (value.isArray() ? "list" : "table"));
        }
        if (value.isArray()) {
            for (JsonNode element : value) {
                result.add(name + "=" + scalar(settings, key, option, element));
            }
        } else if (value.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> pair = it.next();
                result.add(name + "=" + pathAware(settings, key, option, pair.getKey() + "=" + scalar(settings, key, null, pair.getValue())));
            }
        } else {
            result.add(name + "=" + scalar(settings, key, option, value));
        }
        return result;
    }

    private static String scalar(Settings settings, String key, OptionSpec option, JsonNode value) {
        if (value.isContainerNode() || value.isNull()) {
            throw LockwatchException.usage(settings.describe() + ": key '" + key + "' has a nested list or table; "
                    + "give strings, numbers or booleans");
        }
        String text = value.asText();
        return option == null ? text : pathAware(settings, key, option, text);
    }

    /** Relative paths in the file are relative to the file's folder, not to where lockwatch runs. */
    private static String pathAware(Settings settings, String key, OptionSpec option, String text) {
        if (option.type() == Path.class || option.auxiliaryTypes()[0] == Path.class) {
            return resolve(settings.folder(), text);
        }
        if (PATH_AFTER_EQUALS.contains(key) && text.indexOf('=') > 0) {
            int equals = text.indexOf('=');
            return text.substring(0, equals + 1) + resolve(settings.folder(), text.substring(equals + 1));
        }
        return text;
    }

    private static String resolve(Path folder, String path) {
        return path.equals(ReportTarget.STDOUT) ? path : folder.resolve(path).normalize().toString();
    }

    /**
     * Whether the command line gave an option that excludes {@code option}: one of another alternative of the
     * exclusive {@code @ArgGroup} it belongs to ({@code --from}/{@code --to} versus {@code --git-base}).
     */
    private static boolean excludedByCommandLine(OptionSpec option, CommandSpec spec, ParseResult parsed) {
        for (ArgGroupSpec group : spec.argGroups()) {
            if (!group.exclusive()) {
                continue;
            }
            List<List<OptionSpec>> alternatives = new ArrayList<>();
            group.options().forEach(o -> alternatives.add(List.of(o)));
            group.subgroups().forEach(g -> alternatives.add(List.copyOf(g.allOptionsNested())));
            if (alternatives.stream().anyMatch(a -> a.contains(option)) && alternatives.stream()
                    .filter(a -> !a.contains(option)).flatMap(List::stream).anyMatch(parsed::hasMatchedOption)) {
                return true;
            }
        }
        return false;
    }

    private static String keys(CommandSpec spec) {
        Set<String> keys = new TreeSet<>();
        for (OptionSpec option : spec.options()) {
            String longName = option.longestName();
            if (longName.startsWith("--") && !NOT_SETTINGS.contains(longName.substring(2))) {
                keys.add(longName.substring(2));
            }
        }
        return String.join(", ", keys);
    }

    /** "did you mean" for the usual slips: snake_case, a plural, a leading "--". */
    private static String suggestion(String key, CommandSpec spec) {
        String normalized = key.replaceFirst("^-+", "").replace('_', '-');
        for (String candidate : List.of(normalized, normalized.replaceFirst("s$", ""))) {
            if (!candidate.equals(key) && !NOT_SETTINGS.contains(candidate) && spec.findOption("--" + candidate) != null) {
                return " (did you mean '" + candidate + "'?)";
            }
        }
        return "";
    }

    /** Checks the file's arguments on their own first, so an error names the file rather than a flag. */
    static void validate(Settings settings, List<String> arguments) {
        try {
            new CommandLine(new VerifyCommand()).parseArgs(arguments.toArray(String[]::new));
        } catch (CommandLine.ParameterException e) {
            throw LockwatchException.usage(settings.describe() + ": " + LockwatchCommand.message(e));
        }
    }
}
