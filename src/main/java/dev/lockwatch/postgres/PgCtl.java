package dev.lockwatch.postgres;

import dev.lockwatch.model.LockwatchException;
import dev.lockwatch.process.OutputFile;
import io.zonky.test.db.postgres.util.LinuxUtils;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A postmaster started with {@code pg_ctl} from binaries zonky has unpacked before, the way zonky starts one
 * ({@code pg_ctl -D <data> -o "-p <port> -F -c name=value ..." -w start}, under {@code unshare -U} where zonky
 * would use it, i.e. as root) and stops one ({@code -m fast -t 5 -w stop}). Used for a data folder copied from
 * the initdb template, whose binaries folder is known: zonky would first read and digest its 15 MB archive of
 * the binaries (half a second of CPU on every run) only to find that folder again.
 */
final class PgCtl implements EmbeddedPostgresProvider.Postmaster {
    private static final long START_SECONDS = 60;

    private final Path bin;
    private final Path dataFolder;
    private final int port;

    private PgCtl(Path bin, Path dataFolder, int port) {
        this.bin = bin;
        this.dataFolder = dataFolder;
        this.port = port;
    }

    /** Starts the postmaster and waits until it accepts connections; its log goes beside the data folder. */
    static PgCtl start(Path bin, Path dataFolder, int port, Map<String, String> serverConfig) {
        int chosen = port > 0 ? port : freePort();
        List<String> options = new ArrayList<>(List.of("-p", Integer.toString(chosen), "-F"));
        serverConfig.forEach((name, value) -> options.addAll(List.of("-c", name + "=" + value)));
        Path log = dataFolder.resolveSibling(dataFolder.getFileName() + ".log");
        PgCtl started = new PgCtl(bin, dataFolder, chosen);
        int exit = started.pgCtl(START_SECONDS + 5, "-o", String.join(" ", options), "-l", log.toString(), "-w",
                "-t", Long.toString(START_SECONDS), "start");
        if (exit != 0) {
            try {
                started.pgCtl(10, "-m", "immediate", "-w", "stop"); // a postmaster still coming up is not left behind
            } catch (LockwatchException ignored) {
                // none was running
            }
            throw LockwatchException.environment("embedded Postgres did not start (pg_ctl exit " + exit + "): "
                    + OutputFile.tail(log, 0).strip());
        }
        return started;
    }

    Path bin() {
        return bin;
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public void stop() throws IOException {
        if (pgCtl(30, "-m", "fast", "-t", "5", "-w", "stop") != 0) {
            throw new IOException("pg_ctl stop failed for " + dataFolder);
        }
    }

    /** Immediate: no shutdown checkpoint writes out a data folder that is removed next. */
    @Override
    public void discard() throws IOException {
        if (pgCtl(30, "-m", "immediate", "-t", "5", "-w", "stop") != 0) {
            throw new IOException("pg_ctl stop failed for " + dataFolder);
        }
    }

    private int pgCtl(long timeoutSeconds, String... arguments) {
        List<String> argv = new ArrayList<>();
        if (LinuxUtils.isUnshareAvailable()) { // as root: Postgres refuses to run as root, zonky does the same
            argv.addAll(List.of("unshare", "-U"));
        }
        argv.addAll(List.of(bin.resolve("pg_ctl").toString(), "-D", dataFolder.toString()));
        argv.addAll(List.of(arguments));
        try {
            Process process = new ProcessBuilder(argv).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return -1;
            }
            return process.exitValue();
        } catch (IOException e) {
            throw LockwatchException.environment("cannot run " + argv.get(0) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw LockwatchException.environment("interrupted while pg_ctl ran");
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw LockwatchException.environment("no free port for the embedded server: " + e.getMessage(), e);
        }
    }
}
