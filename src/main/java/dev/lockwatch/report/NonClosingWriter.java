package dev.lockwatch.report;

import java.io.IOException;
import java.io.Writer;

/** Jackson closes the writer it is given; the caller owns {@code out}. */
final class NonClosingWriter extends java.io.FilterWriter {
    NonClosingWriter(Writer out) {
        super(out);
    }

    @Override
    public void close() throws IOException {
        flush();
    }
}
