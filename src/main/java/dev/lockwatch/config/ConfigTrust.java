package dev.lockwatch.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Which config files lockwatch may use, decided as git decides which repositories it trusts (safe.directory):
 * a file owned by the caller or by root is used; one owned by another user (a lockwatch.toml planted in a
 * world-writable parent folder) is not, since its {@code alembic} key would run a command as the caller, unless
 * {@value #VARIABLE} names it ({@code :}-separated paths, or {@code *} for every file).
 */
public final class ConfigTrust {
    public static final String VARIABLE = "LOCKWATCH_TRUST_CONFIG";

    private final long callerUid;
    private final List<String> allowed;

    ConfigTrust(long callerUid, String allowed) {
        this.callerUid = callerUid;
        this.allowed = allowed == null ? List.of() : Arrays.stream(allowed.split(java.io.File.pathSeparator))
                .filter(s -> !s.isBlank()).toList();
    }

    public static ConfigTrust fromEnvironment() {
        return new ConfigTrust(new com.sun.security.auth.module.UnixSystem().getUid(), System.getenv(VARIABLE));
    }

    /** Empty when {@code file} may be used; otherwise the one-line note saying why not and how to allow it. */
    Optional<String> refusal(Path file) {
        long owner;
        try {
            owner = ((Number) Files.getAttribute(file, "unix:uid")).longValue();
        } catch (UnsupportedOperationException | IOException | IllegalArgumentException noOwners) {
            return Optional.empty(); // a file system without Unix owners: nothing to tell apart
        }
        if (owner == callerUid || owner == 0 || allowed.contains("*")
                || allowed.stream().anyMatch(a -> Path.of(a).toAbsolutePath().normalize().equals(file))) {
            return Optional.empty();
        }
        return Optional.of("ignored " + file + ": it is owned by uid " + owner + ", neither you (uid " + callerUid
                + ") nor root, and its settings could run commands as you; if you trust it, set " + VARIABLE + "="
                + file + " (or * for every file)");
    }
}
