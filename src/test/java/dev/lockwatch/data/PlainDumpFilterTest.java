package dev.lockwatch.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every psql meta-command psql would see leaves the dump; backslashes in strings, bodies and COPY data stay. */
class PlainDumpFilterTest {
    private static PlainDumpFilter filter;

    private static String filter(String dump) throws Exception {
        filter = new PlainDumpFilter();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        filter.filter(new ByteArrayInputStream(dump.getBytes(StandardCharsets.UTF_8)), out);
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void metaCommandsAreLeftOutWhereverPsqlWouldSeeThem() throws Exception {
        String out = filter("""
                \\restrict Ab12
                   \\connect proddb
                SELECT 1; \\! id > /tmp/x
                SELECT
                \t\\gexec
                2;
                \\unrestrict Ab12
                """);

        assertEquals("SELECT 1; \nSELECT\n2;\n", out);
        assertEquals(List.of("\\connect", "\\!", "\\gexec"), List.copyOf(filter.metaCommands()));
    }

    @Test
    void backslashesInStringsBodiesCommentsAndCopyDataStay() throws Exception {
        String dump = """
                SELECT E'a\\'b \\\\! x', 'c:\\d', "we\\ird";
                CREATE FUNCTION f() RETURNS text LANGUAGE sql AS $$ SELECT '\\! not a command' $$;
                /* \\! a comment */ SELECT 1; -- \\! also a comment
                COPY t (a) FROM stdin;
                \\\\! data
                \\N
                \\.
                """;

        assertEquals(dump, filter(dump));
        assertTrue(filter.metaCommands().isEmpty());
    }

    @Test
    void restrictedModeCameWithTheAugust2025Releases() {
        assertTrue(DumpRestore.hasRestrictedMode("psql (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)"));
        assertTrue(DumpRestore.hasRestrictedMode("psql (PostgreSQL) 17.6"));
        assertTrue(DumpRestore.hasRestrictedMode("psql (PostgreSQL) 18.0"));
        assertFalse(DumpRestore.hasRestrictedMode("psql (PostgreSQL) 15.13"));
        assertFalse(DumpRestore.hasRestrictedMode("psql (PostgreSQL) 16.9"));
        assertFalse(DumpRestore.hasRestrictedMode("psql (PostgreSQL) 12.22"));
        assertFalse(DumpRestore.hasRestrictedMode("no version"));
    }
}
