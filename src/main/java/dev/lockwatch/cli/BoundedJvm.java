package dev.lockwatch.cli;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code java -jar lockwatch.jar}, as documented, runs the CLI in a JVM with the options scripts/lockwatch gives it:
 * with the JVM's defaults a 24 GiB machine starts a 384 MB heap and a verify peaks near 470 MB, with these options
 * under 200 MB. A JVM started with any heap option of the user's (or by scripts/lockwatch) runs the CLI itself.
 */
final class BoundedJvm {
    static final List<String> OPTIONS = List.of("-XX:+UseSerialGC", "-Xmx192m", "-XX:TieredStopAtLevel=1");
    private static final String RELAUNCHED = "lockwatch.jvm";

    private BoundedJvm() {
    }

    /** The CLI's exit status when it ran in a bounded JVM started here; empty when this JVM should run it. */
    static Optional<Integer> relaunch(String[] args) {
        List<String> own = ManagementFactory.getRuntimeMXBean().getInputArguments();
        boolean chosen = System.getProperty(RELAUNCHED) != null
                || own.stream().anyMatch(a -> a.startsWith("-Xmx") || a.startsWith("-XX:MaxRAM") || a.startsWith("-XX:MaxHeap"));
        Optional<Path> jar = jar();
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        if (chosen || jar.isEmpty() || !Files.isExecutable(java)) {
            return Optional.empty();
        }
        List<String> command = new ArrayList<>(List.of(java.toString()));
        command.addAll(OPTIONS);
        command.addAll(List.of("-D" + RELAUNCHED + "=bounded", "-cp", jar.get().toString(), Main.class.getName()));
        command.addAll(List.of(args));
        try {
            Process child = new ProcessBuilder(command).inheritIO().start();
            // a SIGTERM to this JVM alone reaches the CLI too, which then cleans up as it does when signalled itself
            Thread stop = new Thread(() -> {
                child.destroy();
                try {
                    child.waitFor();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            Runtime.getRuntime().addShutdownHook(stop);
            int status = child.waitFor();
            Runtime.getRuntime().removeShutdownHook(stop);
            return Optional.of(status);
        } catch (java.io.IOException e) {
            return Optional.empty(); // run here, unbounded, rather than not at all
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of(130);
        }
    }

    /** The jar this class was loaded from; empty when it runs from a classes folder (tests, an IDE). */
    private static Optional<Path> jar() {
        try {
            Path location = Path.of(BoundedJvm.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return location.toString().endsWith(".jar") && Files.isRegularFile(location) ? Optional.of(location)
                    : Optional.empty();
        } catch (Exception e) {
            return Optional.empty();
        }
    }
}
