package dev.lockwatch.process;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A child's output, streamed to a file while it runs and read back bounded and leniently: a revision may print
 * gigabytes, or bytes that are not UTF-8, and neither may cost lockwatch its memory or its run.
 */
public final class OutputFile {
    /** The start of the output kept: where a command says what it is doing. */
    static final int HEAD_BYTES = 16 * 1024;
    /** The end of the output kept: where a traceback says what went wrong. */
    static final int TAIL_BYTES = 256 * 1024;

    private OutputFile() {
    }

    /** The whole file, or its head and tail with the omitted middle counted. */
    public static String read(Path file) {
        return tail(file, 0);
    }

    /** The file from byte {@code from} on, bounded like {@link #read}; empty when unreadable. */
    public static String tail(Path file, long from) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            long length = Math.max(0, size - from);
            if (length <= HEAD_BYTES + TAIL_BYTES) {
                return decode(channel, from, (int) length);
            }
            long omitted = length - HEAD_BYTES - TAIL_BYTES;
            return decode(channel, from, HEAD_BYTES) + "\n[lockwatch: " + omitted + " bytes of output omitted]\n"
                    + decode(channel, size - TAIL_BYTES, TAIL_BYTES);
        } catch (IOException e) {
            return "";
        }
    }

    /** Bytes that are not UTF-8 (a Latin-1 revision's print) become U+FFFD, never an error. */
    private static String decode(FileChannel channel, long position, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        while (buffer.hasRemaining() && channel.read(buffer, position + buffer.position()) > 0) {
            // read on until the buffer is full or the file ends
        }
        buffer.flip();
        return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE).decode(buffer).toString();
    }

    /** How a process ended, as a user reads it: its exit status, or the signal that killed it. */
    public static String exitStatus(int exitValue) {
        // Java reports a process a signal ended as 128 + the signal
        return exitValue > 128 && exitValue < 160
                ? "killed by signal " + (exitValue - 128) + ", exit status " + exitValue
                : "exit status " + exitValue;
    }
}
