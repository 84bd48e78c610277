package dev.lockwatch.report;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * lockwatch's own version: the project version Maven wrote into {@code version.properties} at build time, so
 * it is right in the jar and when run from classes alike.
 */
public final class Version {
    private static final String CURRENT = read();

    private Version() {
    }

    public static String current() {
        return CURRENT;
    }

    private static String read() {
        try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
            if (in != null) {
                Properties properties = new Properties();
                properties.load(in);
                String version = properties.getProperty("version", "");
                if (!version.isBlank() && !version.startsWith("${")) {
                    return version;
                }
            }
        } catch (IOException e) {
            // fall through to the manifest
        }
        String version = Version.class.getPackage().getImplementationVersion();
        return version == null ? "dev" : version;
    }
}
