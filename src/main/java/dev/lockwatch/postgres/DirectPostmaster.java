package dev.lockwatch.postgres;

import dev.lockwatch.model.LockwatchException;
import dev.lockwatch.process.OutputFile;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A postmaster lockwatch starts itself from binaries zonky has unpacked before: used for a data folder copied from
 * the initdb template, whose binaries folder is known (zonky would first read and digest its 15 MB archive of the
 * binaries, half a second of CPU on every run, only to find that folder again). It runs as zonky runs one:
 * {@code postgres -D <data> -p <port> -F -c name=value ...}, under {@code unshare -U} where zonky would use it (as
 * root: Postgres refuses to run as root), and detached as pg_ctl detaches it: in a session of its own (a Ctrl-C
 * meant for lockwatch never reaches it; lockwatch's cleanup stops it) and no child of lockwatch's (its processes
 * are not lockwatch's to reap, nor counted in lockwatch's own CPU time and memory).
 *
 * <p>Not through pg_ctl: {@code pg_ctl -w} looks at the server every 100 ms, at its start and at its stop, so
 * each costs up to 100 ms of waiting. Here the start polls postmaster.pid every few ms for the ready state pg_ctl
 * waits for, and a stop signals the postmaster as pg_ctl does and polls for what pg_ctl waits for: postmaster.pid
 * gone, which the postmaster removes as it exits, once every other process of the server has ended.
 */
final class DirectPostmaster implements EmbeddedPostgresProvider.Postmaster {
    private static final long START_MS = TimeUnit.SECONDS.toMillis(60);
    private static final long STOP_MS = TimeUnit.SECONDS.toMillis(30);
    /** How often a start or stop looks: a read of a small file, next to the tens of ms either takes. */
    private static final long POLL_MS = 3;
    /** postmaster.pid's line with the postmaster's state (LOCK_FILE_LINE_PM_STATUS) and the state pg_ctl waits for. */
    private static final int STATUS_LINE = 8;
    private static final String READY = "ready";
    /** setsid(1) -f: runs a program in a new session, always forked, so that it is no child of lockwatch's. */
    private static final Optional<Path> SETSID = Stream.of("/usr/bin/setsid", "/bin/setsid").map(Path::of)
            .filter(Files::isExecutable).findFirst();
    /** Writes its own pid (the postmaster's, once it execs postgres) into the file named first. */
    private static final String RECORD_PID = "echo $$ > \"$0\"; exec \"$@\"";

    private final Path bin;
    private final Path dataFolder;
    private final int port;
    private final long pid;

    private DirectPostmaster(Path bin, Path dataFolder, int port, long pid) {
        this.bin = bin;
        this.dataFolder = dataFolder;
        this.port = port;
        this.pid = pid;
    }

    /**
     * Whether the server runs under {@code unshare -U}: zonky's answer (LinuxUtils.isUnshareAvailable), found out
     * the same way, in the background while the data folder is copied. Not through LinuxUtils itself: its class
     * also learns the Linux distribution, by a shell script that runs lsb_release, 250-300 ms of the start.
     */
    static CompletableFuture<Boolean> unshareWanted() {
        return CompletableFuture.supplyAsync(DirectPostmaster::unshareAvailable);
    }

    /** As root on Linux, where Postgres refuses to run: whether a new user namespace maps root to another user. */
    private static boolean unshareAvailable() {
        try {
            if (!"Linux".equals(System.getProperty("os.name"))
                    || !Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"))) {
                return false;
            }
            Optional<String> uid = firstLine("unshare", "-U", "id", "-u");
            return uid.isPresent() && !uid.get().equals("0") && firstLine("unshare", "-U", "id", "-un").isPresent();
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The first line a command prints, when it ends well. */
    private static Optional<String> firstLine(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String line;
        try (var out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            line = out.readLine();
        }
        return process.waitFor() == 0 ? Optional.ofNullable(line) : Optional.empty();
    }

    /** Starts the postmaster and waits until it accepts connections; its log goes beside the data folder. */
    static DirectPostmaster start(Path bin, Path dataFolder, int port, Map<String, String> serverConfig,
                                  CompletableFuture<Boolean> unshare) {
        int chosen = port > 0 ? port : freePort();
        Path log = dataFolder.resolveSibling(dataFolder.getFileName() + ".log");
        Path launched = dataFolder.resolveSibling(dataFolder.getFileName() + ".pid");
        List<String> argv = new ArrayList<>();
        SETSID.ifPresent(setsid -> argv.addAll(List.of(setsid.toString(), "-f")));
        argv.addAll(List.of("sh", "-c", RECORD_PID, launched.toString()));
        if (unshare.join()) {
            argv.addAll(List.of("unshare", "-U")); // it execs postgres: the pid stays the postmaster's
        }
        argv.addAll(List.of(bin.resolve("postgres").toString(), "-D", dataFolder.toString(), "-p",
                Integer.toString(chosen), "-F"));
        serverConfig.forEach((name, value) -> argv.addAll(List.of("-c", name + "=" + value)));
        try {
            Files.deleteIfExists(launched);
            new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        } catch (IOException e) {
            throw LockwatchException.environment("cannot run " + argv.get(0) + ": " + e.getMessage(), e);
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_MS);
        long pid = -1;
        String why = "not ready after " + START_MS / 1000 + " s";
        try {
            while (System.nanoTime() < deadline) {
                pid = pid > 0 ? pid : recorded(launched);
                if (pid > 0 && ready(dataFolder.resolve("postmaster.pid"), pid)) {
                    return new DirectPostmaster(bin, dataFolder, chosen, pid);
                }
                if (pid > 0 && !alive(pid)) {
                    why = "postgres exited";
                    break;
                }
                Thread.sleep(POLL_MS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            why = "interrupted";
        }
        if (pid > 0) {
            new DirectPostmaster(bin, dataFolder, chosen, pid).kill(); // a postmaster still coming up is not left behind
        }
        throw LockwatchException.environment("embedded Postgres did not start (" + why + "): "
                + OutputFile.tail(log, 0).strip());
    }

    /** The pid the launch recorded; -1 while there is none (yet). */
    private static long recorded(Path launched) {
        try {
            String text = Files.readString(launched).strip();
            return text.isEmpty() ? -1 : Long.parseLong(text);
        } catch (IOException | NumberFormatException notYet) {
            return -1;
        }
    }

    /** postmaster.pid names this postmaster, in the ready state (what pg_ctl -w start waits for). */
    private static boolean ready(Path pidFile, long pid) {
        try {
            List<String> lines = Files.readAllLines(pidFile);
            return lines.size() >= STATUS_LINE && lines.get(0).strip().equals(Long.toString(pid))
                    && lines.get(STATUS_LINE - 1).strip().equals(READY);
        } catch (NoSuchFileException notYet) {
            return false;
        } catch (IOException | RuntimeException halfWritten) {
            return false; // read while the postmaster rewrote it: the next look tells
        }
    }

    /**
     * Whether the process runs. Not a zombie: a process lockwatch did not start is reaped by init, which some
     * containers' init does late or never.
     */
    private static boolean alive(long pid) {
        Path stat = Path.of("/proc", Long.toString(pid), "stat");
        if (Files.isDirectory(Path.of("/proc/self"))) {
            try {
                String text = Files.readString(stat);
                int name = text.lastIndexOf(')'); // "pid (comm) state ...": comm may hold anything
                char state = name > 0 && name + 2 < text.length() ? text.charAt(name + 2) : '?';
                return state != 'Z' && state != 'X';
            } catch (IOException gone) {
                return false;
            }
        }
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    Path bin() {
        return bin;
    }

    @Override
    public int port() {
        return port;
    }

    /** Fast shutdown (SIGINT, pg_ctl's -m fast), with its shutdown checkpoint. */
    @Override
    public void stop() throws IOException {
        signalAndWait("INT");
    }

    /** Immediate shutdown (SIGQUIT, pg_ctl's -m immediate): no checkpoint writes out a data folder removed next. */
    @Override
    public void discard() throws IOException {
        signalAndWait("QUIT");
    }

    /**
     * Signals the postmaster and waits, as pg_ctl does, until postmaster.pid is gone (or the postmaster, should it
     * have died without removing it); one that does not end in time is killed with its processes.
     */
    private void signalAndWait(String signal) throws IOException {
        Path pidFile = dataFolder.resolve("postmaster.pid");
        try {
            if (alive(pid)) {
                try {
                    new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).redirectErrorStream(true)
                            .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(STOP_MS, TimeUnit.MILLISECONDS);
                } catch (IOException noKill) {
                    ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy); // SIGTERM, a smart shutdown: no session is left
                }
            }
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STOP_MS);
            while (Files.exists(pidFile) && alive(pid)) {
                if (System.nanoTime() > deadline) {
                    kill();
                    throw new IOException("postgres did not stop in " + STOP_MS / 1000 + " s for " + dataFolder + ": killed");
                }
                Thread.sleep(POLL_MS);
            }
        } catch (InterruptedException e) {
            kill();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while postgres stopped: killed", e);
        }
    }

    /** SIGKILL to the postmaster and every process of its server (each leads a session of its own). */
    private void kill() {
        ProcessHandle.of(pid).ifPresent(postmaster -> {
            postmaster.descendants().forEach(ProcessHandle::destroyForcibly);
            postmaster.destroyForcibly();
        });
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw LockwatchException.environment("no free port for the embedded server: " + e.getMessage(), e);
        }
    }
}
