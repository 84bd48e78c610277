package dev.lockwatch.report;

import java.util.Map;

/**
 * How a human report is laid out: colour, the width lines wrap at, and whether every lock of every statement
 * is listed ({@code --verbose}) or only what a reviewer acts on.
 */
public record Layout(boolean colour, int width, boolean verbose) {
    /** The width when COLUMNS does not say (a pipe, a file, a CI log). */
    public static final int DEFAULT_WIDTH = 100;
    private static final int NARROWEST = 60;

    public static Layout plain() {
        return new Layout(false, DEFAULT_WIDTH, false);
    }

    /** COLUMNS, as shells set it for a terminal, when it is a usable number; else {@link #DEFAULT_WIDTH}. */
    public static int width(Map<String, String> environment) {
        try {
            return Math.max(NARROWEST, Integer.parseInt(environment.getOrDefault("COLUMNS", "").strip()));
        } catch (NumberFormatException unset) {
            return DEFAULT_WIDTH;
        }
    }
}
