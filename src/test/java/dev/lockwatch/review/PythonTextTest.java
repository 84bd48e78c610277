package dev.lockwatch.review;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Python source files decoded as Python decodes them, and never a reason to stop. */
class PythonTextTest {
    @TempDir
    Path dir;

    private String decode(byte[] bytes) throws Exception {
        Path file = dir.resolve("r.py");
        Files.write(file, bytes);
        return PythonText.read(file);
    }

    @Test
    void aCodingLineOnTheFirstOrSecondLineIsHonoured() throws Exception {
        assertEquals("# -*- coding: latin-1 -*-\n# caf\u00e9\n",
                decode("# -*- coding: latin-1 -*-\n# caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1)));
        assertEquals("#!/usr/bin/env python\n# vim: set fileencoding=iso-8859-15 :\nx = '\u20ac'\n",
                decode("#!/usr/bin/env python\n# vim: set fileencoding=iso-8859-15 :\nx = '\u20ac'\n"
                        .getBytes(java.nio.charset.Charset.forName("ISO-8859-15"))));
    }

    @Test
    void withoutOneItIsUtf8AndBadBytesAreReplaced() throws Exception {
        assertEquals("# caf\u00e9\n", decode("# caf\u00e9\n".getBytes(StandardCharsets.UTF_8)));
        assertEquals("# caf\ufffd\n", decode("# caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1)));
        assertEquals("\n\n# coding: latin-1\n# caf\ufffd\n",
                decode("\n\n# coding: latin-1\n# caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1)),
                "only the first two lines may declare it");
        assertEquals("# coding: no-such-codec\n# caf\ufffd\n",
                decode("# coding: no-such-codec\n# caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1)));
        assertEquals("x = 1\n", decode("\ufeffx = 1\n".getBytes(StandardCharsets.UTF_8)), "a UTF-8 BOM is dropped");
    }
}
