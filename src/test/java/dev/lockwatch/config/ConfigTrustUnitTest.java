package dev.lockwatch.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Who may own a config file lockwatch uses, and how LOCKWATCH_TRUST_CONFIG widens that. */
class ConfigTrustUnitTest {
    @TempDir
    Path dir;

    @Test
    void theOwnerDecidesUnlessTheVariableNamesTheFileOrEveryFile() throws Exception {
        Path file = Files.writeString(dir.resolve("lockwatch.toml"), "").toAbsolutePath().normalize();
        if ("root".equals(System.getProperty("user.name"))) {
            Files.setAttribute(file, "unix:uid", 4321); // a file of another user, not root's
        }
        long owner = ((Number) Files.getAttribute(file, "unix:uid")).longValue();
        long stranger = owner + 4242;

        assertEquals(Optional.empty(), new ConfigTrust(owner, null).refusal(file), "the caller's own file");
        Optional<String> refusal = new ConfigTrust(stranger, null).refusal(file);
        if (owner != 0) {
            assertTrue(refusal.isPresent() && refusal.get().contains("owned by uid " + owner)
                    && refusal.get().contains("LOCKWATCH_TRUST_CONFIG=" + file), refusal.toString());
            assertEquals(Optional.empty(), new ConfigTrust(stranger, "/elsewhere:" + file).refusal(file));
            assertEquals(Optional.empty(), new ConfigTrust(stranger, "*").refusal(file));
            assertTrue(new ConfigTrust(stranger, "/elsewhere").refusal(file).isPresent());
        } else {
            assertEquals(Optional.empty(), refusal, "root's files are trusted");
        }
    }
}
