package dev.lockwatch.report;

import java.io.FilterWriter;
import java.io.IOException;
import java.io.Writer;

/**
 * Writes control characters a revision's message or output may carry (ESC, BEL, NUL...) as visible {@code \x1b}
 * escapes: raw, they would drive the reader's terminal or make the JUnit XML invalid. Line breaks and tabs pass.
 */
public final class ControlCharacterWriter extends FilterWriter {
    public ControlCharacterWriter(Writer out) {
        super(out);
    }

    static boolean control(int c) {
        return (c < 0x20 && c != '\n' && c != '\r' && c != '\t') || (c >= 0x7f && c <= 0x9f);
    }

    @Override
    public void write(int c) throws IOException {
        if (control(c)) {
            out.write(String.format("\\x%02x", c));
        } else {
            out.write(c);
        }
    }

    @Override
    public void write(char[] chars, int offset, int length) throws IOException {
        int from = offset;
        for (int i = offset; i < offset + length; i++) {
            if (control(chars[i])) {
                out.write(chars, from, i - from);
                write(chars[i]);
                from = i + 1;
            }
        }
        out.write(chars, from, offset + length - from);
    }

    @Override
    public void write(String text, int offset, int length) throws IOException {
        write(text.toCharArray(), offset, length);
    }
}
