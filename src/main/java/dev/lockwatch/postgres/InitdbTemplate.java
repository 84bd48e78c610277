package dev.lockwatch.postgres;

import dev.lockwatch.process.Folders;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * A fresh cluster made once by initdb and kept beside the binaries, so that each run copies it (about 40 MB, a
 * few tenths of a second) instead of running initdb (one to three seconds). It is a cluster initdb made for this
 * binaries version with everything initdb's output depends on: zonky's fixed options (trust, user postgres, UTF-8,
 * no locale option), the locale and time zone it reads from the environment. Per-run settings never get in: zonky
 * passes them as {@code -c} options of each start, not through postgresql.conf.
 *
 * <p>It is built in a temp folder beside its final name and renamed into place whole, under a file lock that
 * concurrent runs share (another lockwatch waits for the one building it); a temp folder left by a builder that
 * was killed is removed by the next builder. A template the caller found damaged is {@link #discard}ed and made
 * again by the next run.
 */
final class InitdbTemplate {
    /** The variables initdb reads the locale and the time zone from. */
    private static final List<String> ENVIRONMENT = List.of("LANG", "LC_ALL", "LC_COLLATE", "LC_CTYPE", "LC_MESSAGES",
            "LC_MONETARY", "LC_NUMERIC", "LC_TIME", "TZ");
    /** Where the binaries that made it are: their {@code bin} folder, read from the proving start's command line. */
    private static final String BINARIES = "lockwatch-binaries";
    /**
     * The empty database the template's build made besides initdb's, {@link #SPARE_DATABASE}: a run renames it to
     * its scratch database instead of running CREATE DATABASE (a copy of template1, a few tenths of a second).
     * Its record tells a template of an earlier lockwatch, without it, which is then built again.
     */
    private static final String SPARE = "lockwatch-spare-database";
    static final String SPARE_DATABASE = "lockwatch_spare";
    /**
     * What initdb leaves that makes a cluster (a quick check against a folder emptied behind lockwatch's back), and
     * lockwatch's records.
     */
    private static final List<String> REQUIRED = List.of("PG_VERSION", "postgresql.conf", "global/pg_control", BINARIES,
            SPARE);
    /** Files of the start that proved the template, not of the cluster. */
    private static final List<String> OF_THE_START = List.of("postmaster.pid", "postmaster.opts", "epg-lock");
    /** What a copy of the template leaves out: the proving start's files and lockwatch's records. */
    static final List<String> NOT_COPIED = Stream.concat(OF_THE_START.stream(), Stream.of(BINARIES, SPARE)).toList();
    private static final Object IN_THIS_JVM = new Object();

    private final Path folder;

    private InitdbTemplate(Path folder) {
        this.folder = folder;
    }

    /** The template of these binaries in this environment, under {@code templates}; not built yet perhaps. */
    static InitdbTemplate of(Path templates, String binariesVersion, Map<String, String> env) {
        return new InitdbTemplate(templates.resolve(binariesVersion + "-" + key(env)));
    }

    /** Distinguishes what initdb's output depends on besides the binaries. */
    static String key(Map<String, String> env) {
        StringBuilder text = new StringBuilder("initdb -A trust -U postgres -E UTF-8\n");
        ENVIRONMENT.forEach(name -> text.append(name).append('=').append(env.getOrDefault(name, "")).append('\n'));
        try {
            text.append("localtime=").append(Path.of("/etc/localtime").toRealPath()); // where TZ is unset
        } catch (IOException | RuntimeException none) {
            text.append("localtime=none");
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    Path folder() {
        return folder;
    }

    /** Whether a whole template is in place. */
    boolean ready() {
        return REQUIRED.stream().allMatch(name -> Files.isRegularFile(folder.resolve(name)));
    }

    /**
     * The template, built first if need be by {@code build} (which makes a stopped cluster in the folder it is
     * given, with an empty database {@link #SPARE_DATABASE} besides initdb's); empty when it cannot be built or kept (a read-only cache, a failed initdb), and the caller runs
     * initdb itself as before.
     */
    Optional<Path> obtain(Consumer<Path> build, Consumer<String> progress) {
        if (ready()) {
            return Optional.of(folder);
        }
        synchronized (IN_THIS_JVM) {
            try {
                Files.createDirectories(folder.getParent());
                try (FileChannel channel = FileChannel.open(lockFile(), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                     FileLock lock = channel.lock()) {
                    if (ready()) { // another run built it meanwhile
                        return Optional.of(folder);
                    }
                    removeLeftovers();
                    Path building = Files.createTempDirectory(folder.getParent(), folder.getFileName() + ".building-");
                    try {
                        progress.accept("postgres: making the initdb template " + folder + " (once for these binaries)");
                        try {
                            build.accept(building);
                        } catch (RuntimeException e) {
                            Folders.deleteQuietly(building);
                            forgetLock(); // binaries that cannot be had (a corrupt download) leave nothing cached
                            throw e;
                        }
                        Files.writeString(building.resolve(BINARIES), binFolder(building.resolve("postmaster.opts")));
                        Files.writeString(building.resolve(SPARE), SPARE_DATABASE);
                        for (String name : OF_THE_START) {
                            Files.deleteIfExists(building.resolve(name));
                        }
                        Files.move(building, folder, StandardCopyOption.ATOMIC_MOVE);
                    } finally {
                        Folders.deleteQuietly(building);
                    }
                    return ready() ? Optional.of(folder) : Optional.empty();
                }
            } catch (IOException | RuntimeException e) {
                progress.accept("postgres: no initdb template (" + e.getMessage() + "): running initdb");
                return Optional.empty();
            }
        }
    }

    /**
     * The {@code bin} folder of the binaries the template was made with, as recorded; empty when the record is
     * unreadable.
     */
    Optional<Path> binaries() {
        try {
            return Optional.of(Path.of(Files.readString(folder.resolve(BINARIES)).strip()));
        } catch (IOException | RuntimeException unreadable) {
            return Optional.empty();
        }
    }

    /** The folder of the postgres binary a postmaster.opts names first: {@code /path/bin/postgres "-D" ...}. */
    static String binFolder(Path postmasterOpts) throws IOException {
        String line = Files.readString(postmasterOpts).strip();
        int options = line.indexOf(" \"");
        Path postgres = Path.of(options < 0 ? line : line.substring(0, options));
        if (!postgres.getFileName().toString().equals("postgres") || postgres.getParent() == null) {
            throw new IOException("unexpected " + postmasterOpts + ": " + line);
        }
        return postgres.getParent().toString();
    }

    /** Removes a template a server would not start from, under the lock, so the next run builds it again. */
    void discard(String why, Consumer<String> progress) {
        synchronized (IN_THIS_JVM) {
            try (FileChannel channel = FileChannel.open(lockFile(), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock lock = channel.lock()) {
                progress.accept("postgres: discarding the initdb template " + folder + " (" + why + ")");
                // renamed away first: a run that checks it meanwhile finds it whole or not at all
                Path gone = folder.resolveSibling(folder.getFileName() + ".building-discarded-" + ProcessHandle.current().pid());
                Files.move(folder, gone, StandardCopyOption.ATOMIC_MOVE);
                Folders.deleteQuietly(gone);
            } catch (IOException | RuntimeException e) {
                progress.accept("postgres: cannot discard the initdb template " + folder + ": " + e.getMessage());
            }
        }
    }

    /** Removes the lock file: a run waiting on it then finds no template and builds one itself, as it would anyway. */
    private void forgetLock() {
        try {
            Files.deleteIfExists(lockFile());
        } catch (IOException | RuntimeException ignored) {
            // a lock file left is harmless: the next builder takes it
        }
    }

    private Path lockFile() {
        return folder.resolveSibling(folder.getFileName() + ".lock");
    }

    /** Temp folders of builders that ended before renaming theirs: nobody builds while this lock is held. */
    private void removeLeftovers() throws IOException {
        String prefix = folder.getFileName() + ".building-";
        List<Path> left = new ArrayList<>();
        try (Stream<Path> entries = Files.list(folder.getParent())) {
            entries.filter(p -> p.getFileName().toString().startsWith(prefix)).forEach(left::add);
        }
        left.forEach(Folders::deleteQuietly);
        if (Files.exists(folder) && !ready()) {
            Folders.deleteQuietly(folder); // a half-removed template (a discard cut short)
        }
    }
}
