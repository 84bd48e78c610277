package dev.lockwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JvmOptionsTest {
    @Test
    void theSharedFileBoundsTheHeapAndReadsAsAnArgfile() {
        List<String> options = JvmOptions.read();
        assertTrue(options.contains("-Xmx192m") && options.contains("-XX:+UseSerialGC"), options.toString());
        assertEquals(List.of("-Xmx1m", "-Da=b", "-Dc"), JvmOptions.parse(List.of("# why", "", "-Xmx1m  # size", " -Da=b -Dc ")));
    }

    @Test
    void onlyAJvmStartedWithoutOptionsStartsAgain() {
        assertTrue(JvmOptions.relaunchWanted(List.of(), Map.of()), "java -jar lockwatch.jar");
        assertTrue(JvmOptions.relaunchWanted(List.of("-Dhttps.proxyHost=p"), Map.of("JAVA_TOOL_OPTIONS", "-Dhttps.proxyHost=p")),
                "an environment's options are not the launcher's choice");
        assertFalse(JvmOptions.relaunchWanted(List.of("-Xmx64m"), Map.of("JAVA_TOOL_OPTIONS", "-Xmx64m")), "but a heap size is");
        assertFalse(JvmOptions.relaunchWanted(List.of("-Djava.io.tmpdir=/t"), Map.of()), "a launcher with options");
        assertFalse(JvmOptions.relaunchWanted(List.of("-XX:+UseSerialGC", "-Xmx192m"), Map.of()), "ours, or the relaunched child");
    }
}
