package dev.lockwatch.report;

/** lockwatch's own version, from the jar manifest (unknown when run from classes). */
public final class Version {
    private Version() {
    }

    public static String current() {
        String version = Version.class.getPackage().getImplementationVersion();
        return version == null ? "dev" : version;
    }
}
