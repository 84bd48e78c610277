package dev.lockwatch.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import sun.misc.Signal;

/**
 * The JVM options that keep lockwatch small (jvm.options beside this class, the one definition every launcher
 * reads), and the relaunch that applies them to a plain {@code java -jar lockwatch.jar}: a JAR's manifest cannot
 * set them, and with the JVM's defaults a 288-revision chain peaks at 377-473 MB instead of about 150.
 */
final class JvmOptions {
    static final String RESOURCE = "jvm.options";
    /** Options that say the launcher sized the heap or chose a collector itself: no relaunch then. */
    private static final List<String> SIZING = List.of("-Xmx", "-XX:MaxHeapSize", "-XX:MaxRAM", "-XX:+Use");

    private JvmOptions() {
    }

    /** The options of jvm.options, comments and blank lines left out. */
    static List<String> read() {
        try (InputStream in = JvmOptions.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from lockwatch's classes");
            }
            return parse(new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).lines().toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The java launcher's @argfile form, as far as jvm.options uses it: words, and # to the end of a line. */
    static List<String> parse(List<String> lines) {
        List<String> options = new ArrayList<>();
        for (String line : lines) {
            int hash = line.indexOf('#');
            String content = (hash < 0 ? line : line.substring(0, hash)).strip();
            if (!content.isEmpty()) {
                options.addAll(Arrays.asList(content.split("\\s+")));
            }
        }
        return options;
    }

    /**
     * Whether this JVM should start lockwatch again with jvm.options: only when its command line gave it no
     * option at all ({@code java -jar lockwatch.jar}); options from JAVA_TOOL_OPTIONS or JDK_JAVA_OPTIONS do not
     * count, unless they size the heap or choose a collector. Any launcher that passes options (ours, a test's,
     * a user's {@code java -Xmx1g -jar}) is left as it is.
     */
    static boolean relaunchWanted(List<String> inputArguments, Map<String, String> environment) {
        Set<String> fromEnvironment = new HashSet<>();
        for (String variable : List.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS")) {
            fromEnvironment.addAll(Arrays.asList(environment.getOrDefault(variable, "").strip().split("\\s+")));
        }
        boolean sized = inputArguments.stream().anyMatch(a -> SIZING.stream().anyMatch(a::startsWith));
        return !sized && fromEnvironment.containsAll(inputArguments);
    }

    /**
     * Runs lockwatch in a child JVM with jvm.options when {@link #relaunchWanted} says so and returns its exit
     * status; empty when this JVM should run lockwatch itself. Signals this process gets are passed on, and it
     * waits for the child, so a Ctrl-C or a CI's SIGTERM still ends in lockwatch's own cleanup.
     */
    static Optional<Integer> relaunch(String[] args) {
        if (!relaunchWanted(ManagementFactory.getRuntimeMXBean().getInputArguments(), System.getenv())) {
            return Optional.empty();
        }
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.addAll(read());
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(Arrays.asList(args));
        Process child;
        try {
            child = new ProcessBuilder(command).inheritIO().start();
        } catch (IOException e) {
            return Optional.empty(); // cannot start a JVM: run here, unsized, rather than not at all
        }
        for (String name : List.of("INT", "TERM", "HUP")) {
            Signal.handle(new Signal(name), signal -> forward(signal, child));
        }
        while (true) {
            try {
                return Optional.of(child.waitFor());
            } catch (InterruptedException e) {
                // keep waiting: the child decides when lockwatch ends
            }
        }
    }

    private static void forward(Signal signal, Process child) {
        try {
            new ProcessBuilder("kill", "-" + signal.getName(), Long.toString(child.pid())).inheritIO().start();
        } catch (IOException e) {
            child.destroy();
        }
    }
}
