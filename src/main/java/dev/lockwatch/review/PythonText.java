package dev.lockwatch.review;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The text of a Python source file, decoded as Python decodes it: by a PEP 263 coding declaration on line 1 or 2,
 * else UTF-8. Whatever alembic accepts must not end a run, so bytes that do not decode become U+FFFD instead of
 * an exception: lockwatch only reads revision files for lines and comments.
 */
public final class PythonText {
    private static final Pattern CODING = Pattern.compile("^[ \\t\\f]*#.*?coding[:=][ \\t]*([-\\w.]+)");
    private static final Pattern BLANK_OR_COMMENT = Pattern.compile("^[ \\t\\f]*(#.*)?$");

    private PythonText() {
    }

    public static String read(Path file) throws IOException {
        return decode(Files.readAllBytes(file));
    }

    static String decode(byte[] bytes) {
        int start = bytes.length >= 3 && (bytes[0] & 0xff) == 0xef && (bytes[1] & 0xff) == 0xbb
                && (bytes[2] & 0xff) == 0xbf ? 3 : 0;
        Charset charset = start == 0 ? declared(bytes).orElse(StandardCharsets.UTF_8) : StandardCharsets.UTF_8;
        try {
            return charset.newDecoder().onMalformedInput(CodingErrorAction.REPLACE)
                    .onUnmappableCharacter(CodingErrorAction.REPLACE)
                    .decode(ByteBuffer.wrap(bytes, start, bytes.length - start)).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalStateException("a replacing decoder does not throw", e);
        }
    }

    /** The charset named on line 1, or on line 2 when line 1 is blank or a comment (as Python's tokenizer does). */
    private static Optional<Charset> declared(byte[] bytes) {
        // The declaration itself is ASCII, so reading the first lines as Latin-1 finds it whatever the encoding.
        String[] lines = new String(bytes, 0, Math.min(bytes.length, 1024), StandardCharsets.ISO_8859_1)
                .split("\r\n|\r|\n", 3);
        for (int i = 0; i < Math.min(2, lines.length); i++) {
            Matcher m = CODING.matcher(lines[i]);
            if (m.find()) {
                return charset(m.group(1));
            }
            if (!BLANK_OR_COMMENT.matcher(lines[i]).matches()) {
                break;
            }
        }
        return Optional.empty();
    }

    /** Python's codec names, as far as Java knows them: latin-1, utf-8, cp1252, iso-8859-15, euc_jp ... */
    private static Optional<Charset> charset(String name) {
        String normal = name.toLowerCase(Locale.ROOT).replace('_', '-');
        if (normal.equals("utf-8") || normal.startsWith("utf-8-")) {
            return Optional.of(StandardCharsets.UTF_8);
        }
        for (String latin1 : new String[] {"latin-1", "iso-8859-1", "iso-latin-1"}) {
            if (normal.equals(latin1) || normal.startsWith(latin1 + "-")) {
                return Optional.of(StandardCharsets.ISO_8859_1);
            }
        }
        for (String candidate : new String[] {normal, normal.replace("-", ""), normal.replace('-', '_')}) {
            try {
                return Optional.of(Charset.forName(candidate));
            } catch (IllegalCharsetNameException | UnsupportedCharsetException e) {
                // try the next spelling
            }
        }
        return Optional.empty(); // Python would refuse the file; read it as UTF-8
    }
}
