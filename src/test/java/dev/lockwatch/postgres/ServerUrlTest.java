package dev.lockwatch.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lockwatch.model.LockwatchException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The one parser of --server-url, as libpq reads URLs and key=value strings; what it prints never holds the password. */
class ServerUrlTest {
    private static ServerUrl parse(String text) {
        return ServerUrl.parse(text, "osuser", "");
    }

    @Test
    void percentEncodingInUserinfoPathAndQueryIsDecodedAndPlusStaysPlus() {
        ServerUrl url = parse("postgresql://app%40corp:p%40ss%20w%25rd+x@db.example:6543/shop%20db");

        assertEquals("app@corp", url.user());
        assertEquals("p@ss w%rd+x", url.password());
        assertEquals("db.example", url.host());
        assertEquals(6543, url.port());
        assertEquals("shop db", url.database());
    }

    @Test
    void theLastAtSignSeparatesTheHostAsInAzuresUserAtServerLogins() {
        ServerUrl url = parse("postgres://lw_az@srv:p@ss word@localhost:5433/postgres");

        assertEquals("lw_az@srv", url.user());
        assertEquals("p@ss word", url.password());
        assertEquals("localhost", url.host());
        assertEquals(5433, url.port());
    }

    @Test
    void queryParametersGiveThePasswordAndOverrideTheOtherParts() {
        ServerUrl url = parse("postgresql://u@h/db?password=s%20x%26y&sslmode=require&port=7000&dbname=other&user=v&host=k");

        assertEquals("s x&y", url.password());
        assertEquals(Map.of("sslmode", "require"), url.ssl());
        assertEquals(7000, url.port());
        assertEquals("other", url.database());
        assertEquals("v", url.user());
        assertEquals("k", url.host());
    }

    @Test
    void defaultsAreTheCallersLoginPgpasswordPort5432AndThePostgresDatabase() {
        ServerUrl url = ServerUrl.parse("postgresql://localhost", "osuser", "from-env");

        assertEquals("osuser", url.user());
        assertEquals("from-env", url.password());
        assertEquals(5432, url.port());
        assertEquals("postgres", url.database());
        assertEquals("postgres", ServerUrl.parse("postgresql://localhost/", "osuser", "").database());
    }

    @Test
    void bracketedIpv6HostsAndJdbcPrefixes() {
        ServerUrl url = parse("jdbc:postgresql://u@[::1]:5999/d");

        assertEquals("::1", url.host());
        assertEquals(5999, url.port());
        assertEquals("jdbc:postgresql://[::1]:5999/d", url.target().jdbcUrl());
    }

    @Test
    void keyValueConninfoStringsWithQuotingAndEscapes() {
        ServerUrl url = parse("host=h port = 5434 user=u password='a b\\'c\\\\' dbname=d sslmode=disable");

        assertEquals("h", url.host());
        assertEquals(5434, url.port());
        assertEquals("u", url.user());
        assertEquals("a b'c\\", url.password());
        assertEquals("d", url.database());
        assertEquals(Map.of("sslmode", "disable"), url.ssl());
    }

    @Test
    void unknownParametersAndBadPortsAreUsageErrorsThatDoNotEchoThePassword() {
        for (String bad : List.of("postgresql://u:SECRET@h/d?foo=bar", "postgresql://u:SECRET@h:port/d",
                "host=h password=SECRET bogus=1", "mysql://u:SECRET@h/d", "host=h password='SECRET",
                "postgresql://u:SECRET@/d", "postgresql://u:SECRET@h/d?password")) {
            LockwatchException e = assertThrows(LockwatchException.class, () -> parse(bad), bad);
            assertEquals(LockwatchException.USAGE, e.exitCode(), bad);
            assertTrue(e.getMessage().startsWith("--server-url"), e.getMessage());
            assertFalse(e.getMessage().contains("SECRET"), e.getMessage());
        }
    }

    @Test
    void redactionDescribesTheServerWithoutThePasswordWhateverTheShape() {
        for (String shape : List.of("postgresql://u:SECRET@h:1/d", "postgres://u@srv:SE@CRET@h:1/d",
                "postgresql://u@h:1/d?password=SECRET", "postgresql://u:SE%20CRET@h:1/d", "host=h port=1 user=u password=SECRET dbname=d",
                "postgresql://u:SECRET@h:x/d", "garbage SECRET", "postgresql://u:SE CRET@h:1/d")) {
            String redacted = ServerUrl.redact(shape);
            assertFalse(redacted.contains("SECRET") || redacted.contains("SE CRET") || redacted.contains("CRET"),
                    shape + " -> " + redacted);
        }
        assertEquals("postgresql://u@h:1/d", ServerUrl.redact("postgresql://u:SECRET@h:1/d"));
        assertEquals("postgresql://u@srv@h:1/d", ServerUrl.redact("postgres://u@srv:SE@CRET@h:1/d"));
    }

    @Test
    void commandLineErrorsQuotingAMistypedUrlLoseItsPassword() {
        String[] args = {"verify", "--server-ur", "postgresql://u:SE CRET@h/d", "--x=host=h password=SECRET"};
        String message = "Unknown options: '--server-ur', 'postgresql://u:SE CRET@h/d', '--x=host=h password=SECRET'";

        String scrubbed = ServerUrl.withoutPasswords(message, args);

        assertFalse(scrubbed.contains("CRET"), scrubbed);
        assertTrue(scrubbed.contains("'postgresql://u@h:5432/d'"), scrubbed);
    }
}
