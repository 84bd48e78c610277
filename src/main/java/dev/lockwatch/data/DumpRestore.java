package dev.lockwatch.data;

import dev.lockwatch.model.DatabaseTarget;
import dev.lockwatch.model.LockwatchException;
import dev.lockwatch.process.OwnedProcess;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.zip.GZIPInputStream;

/**
 * Loads a pg_dump into the scratch database with the server's own tools, as a deploy pipeline's
 * "restore production, then alembic upgrade" check does: psql for plain SQL, pg_restore for the archive
 * formats. Ownership and privileges are skipped (production's roles do not exist here), and nothing may leave
 * the scratch database: no --create, no subscriptions, and no psql meta-command at all ({@code \connect},
 * {@code \!}): {@link PlainDumpFilter} leaves out every one it sees, and psql runs in restricted mode under a
 * random key of lockwatch's ({@code \restrict}, psql 13.22, 14.19, 15.14, 16.10, 17.6 and later), so one the
 * filter missed stops the restore instead of running.
 */
public final class DumpRestore implements AutoCloseable {
    private final OwnedProcess process = new OwnedProcess();
    private final Path pgBin;
    private final Path workFolder;

    /** @param pgBin the folder of psql and pg_restore, or null to look for them */
    public DumpRestore(Path pgBin, Path workFolder) {
        this.pgBin = pgBin;
        this.workFolder = workFolder;
    }

    /**
     * Restores {@code dump} into {@code target} in one transaction; a failure is a usage error naming the cause.
     *
     * @return a note naming the psql meta-commands of a plain dump that were left out, if any
     */
    public Optional<String> restore(DumpFile dump, DatabaseTarget target, Duration timeout) {
        List<String> command = new ArrayList<>();
        OwnedProcess.Input input = null;
        PlainDumpFilter filter = new PlainDumpFilter();
        if (dump.format().plain()) {
            Path psql = PgClientTools.find("psql", pgBin);
            requireRestrictedMode(psql);
            command.addAll(List.of(psql.toString(), "-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction",
                    "-f", "-"));
            input = stdin -> {
                byte[] random = new byte[24];
                new SecureRandom().nextBytes(random);
                stdin.write(("\\restrict " + HexFormat.of().formatHex(random) + "\n").getBytes(StandardCharsets.US_ASCII));
                try (InputStream raw = Files.newInputStream(dump.path());
                     InputStream sql = dump.format() == DumpFile.Format.PLAIN_GZIP ? new GZIPInputStream(raw, 1 << 16) : raw) {
                    filter.filter(sql, stdin);
                }
            };
        } else {
            command.addAll(List.of(PgClientTools.find("pg_restore", pgBin).toString(), "--no-owner", "--no-privileges",
                    "--no-subscriptions", "--no-publications", "--exit-on-error", "--single-transaction",
                    "-d", target.database(), dump.path().toString()));
        }
        ProcessBuilder builder = new ProcessBuilder(command);
        target.libpqEnvironment(builder.environment(), "lockwatch-restore");
        OwnedProcess.Finished run;
        try {
            run = process.run(builder, workFolder.resolve("restore.log"), timeout, input);
        } catch (OwnedProcess.CannotStart e) {
            throw LockwatchException.environment("cannot run " + command.get(0) + ": " + e.getMessage());
        } catch (IOException e) {
            throw LockwatchException.environment("cannot read the restore's output: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw LockwatchException.environment("interrupted while restoring " + dump.path());
        }
        if (run.timedOut()) {
            throw LockwatchException.usage("--restore " + dump.path() + " did not finish within --revision-timeout "
                    + timeout.toSeconds() + " s: raise it for a large dump");
        }
        if (run.exitCode() != 0) {
            throw LockwatchException.usage("--restore " + dump.path() + " (" + dump.format().label() + ") did not restore: "
                    + firstError(run.output()) + hint(run.output()));
        }
        if (filter.metaCommands().isEmpty()) {
            return Optional.empty();
        }
        return Optional.of("restore: left out the dump's psql meta-command(s) " + String.join(", ", filter.metaCommands())
                + ": lockwatch restores into its scratch database only and runs no command a dump names");
    }

    /** psql's restricted mode ({@code \restrict}) came with 13.22, 14.19, 15.14, 16.10 and 17.6. */
    static boolean hasRestrictedMode(String versionOutput) {
        Matcher version = Pattern.compile("(\\d+)\\.(\\d+)").matcher(versionOutput);
        if (!version.find()) {
            return false;
        }
        int major = Integer.parseInt(version.group(1));
        int minor = Integer.parseInt(version.group(2));
        Map<Integer, Integer> first = Map.of(13, 22, 14, 19, 15, 14, 16, 10, 17, 6);
        return major >= 18 || minor >= first.getOrDefault(major, Integer.MAX_VALUE);
    }

    private static void requireRestrictedMode(Path psql) {
        String output;
        try {
            Process process = new ProcessBuilder(psql.toString(), "--version").redirectErrorStream(true).start();
            output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            process.waitFor();
        } catch (IOException e) {
            throw LockwatchException.environment("cannot run " + psql + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw LockwatchException.environment("interrupted while asking " + psql + " its version");
        }
        if (!hasRestrictedMode(output)) {
            throw LockwatchException.environment(psql + " (" + output.strip() + ") has no restricted mode (\\restrict), "
                    + "which keeps a plain dump from running psql commands: install a newer psql (13.22, 14.19, 15.14, "
                    + "16.10, 17.6 or later) and pass --pg-bin, or restore a pg_dump -Fc dump");
        }
    }

    /**
     * The revisions the restored database is at, from alembic's version table: several for a database with
     * several heads, none for an empty table.
     */
    public static List<String> alembicVersions(Connection connection, String versionTable, Path dump) {
        try (PreparedStatement find = connection.prepareStatement("select to_regclass(?)::text")) {
            find.setString(1, versionTable);
            String table;
            try (ResultSet rs = find.executeQuery()) {
                rs.next();
                table = rs.getString(1);
            }
            if (table == null) {
                throw LockwatchException.usage("--restore " + dump + " has no " + versionTable + " table: dump a "
                        + "database alembic migrated (or name its table with --version-table)");
            }
            List<String> versions = new ArrayList<>();
            try (Statement s = connection.createStatement();
                 ResultSet rs = s.executeQuery("select version_num from " + table + " order by 1")) {
                while (rs.next()) {
                    versions.add(rs.getString(1));
                }
            }
            return versions;
        } catch (SQLException e) {
            throw LockwatchException.environment("cannot read " + versionTable + " of the restored dump: " + e.getMessage(), e);
        }
    }

    private static String firstError(String output) {
        return output.lines().filter(l -> l.toLowerCase(Locale.ROOT).contains("error")).findFirst()
                .or(() -> output.lines().filter(l -> !l.isBlank()).reduce((a, b) -> b))
                .map(String::strip).orElse("no output");
    }

    private static String hint(String output) {
        if (output.contains("unsupported version") || output.contains("unsupported archive")) {
            return "; this pg_restore is older than the pg_dump that made the dump: pass --pg-bin with a newer "
                    + "PostgreSQL's bin folder";
        }
        return "";
    }

    /** Stops a running psql or pg_restore (Ctrl-C, SIGTERM). */
    @Override
    public void close() {
        process.close();
    }
}
