package dev.lockwatch.model;

/**
 * The Postgres a run used.
 *
 * @param provider {@code embedded}, {@code container} or {@code server}
 * @param version  {@code server_version}, e.g. {@code 16.4}
 * @param captureMode {@code deterministic} (event triggers) or {@code best-effort} (polling only)
 */
public record ServerInfo(String provider, String version, int majorVersion, String detail, String captureMode) {
    public static final String DETERMINISTIC = "deterministic";
    public static final String BEST_EFFORT = "best-effort";

    public boolean bestEffort() {
        return BEST_EFFORT.equals(captureMode);
    }
}
