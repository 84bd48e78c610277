package dev.lockwatch.report;

import dev.lockwatch.rules.FindingKinds;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/** The report formats, by the name {@code --format} and {@code --report FORMAT=PATH} use. */
public enum ReportFormat {
    TEXT, JSON, SARIF, JUNIT, GITHUB, MARKDOWN, CODEQUALITY;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<ReportFormat> parse(String name) {
        return Arrays.stream(values()).filter(f -> f.label().equalsIgnoreCase(name.strip())).findFirst();
    }

    public static String names() {
        return Arrays.stream(values()).map(ReportFormat::label).collect(Collectors.joining(", "));
    }

    /**
     * @param layout the human formats' (text, markdown) colour, width and detail
     */
    public Reporter reporter(FindingKinds kinds, Layout layout) {
        return switch (this) {
            case TEXT -> new TextReporter(layout);
            case JSON -> new JsonReporter();
            case SARIF -> new SarifReporter(kinds);
            case JUNIT -> new JunitReporter();
            case GITHUB -> new GithubReporter();
            case MARKDOWN -> new MarkdownReporter(layout.verbose());
            case CODEQUALITY -> new CodequalityReporter();
        };
    }
}
