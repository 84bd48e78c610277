package dev.lockwatch.data;

import dev.lockwatch.model.LockwatchException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** A pg_dump output and its format, told by its first bytes as pg_restore does. */
public record DumpFile(Path path, Format format) {

    public enum Format {
        /** SQL text, restored with psql (possibly gzip-compressed, as pg_dump -Z writes it). */
        PLAIN("plain SQL"),
        PLAIN_GZIP("gzip-compressed plain SQL"),
        /** pg_dump -Fc, -Fd or -Ft: restored with pg_restore. */
        CUSTOM("custom"),
        DIRECTORY("directory"),
        TAR("tar");

        private final String label;

        Format(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }

        public boolean plain() {
            return this == PLAIN || this == PLAIN_GZIP;
        }
    }

    public static DumpFile open(Path path) {
        if (Files.isDirectory(path)) {
            if (!Files.isRegularFile(path.resolve("toc.dat"))) {
                throw LockwatchException.usage("--restore " + path + " is a folder without toc.dat: give a pg_dump "
                        + "file (plain, -Fc or -Ft) or a -Fd folder");
            }
            return new DumpFile(path, Format.DIRECTORY);
        }
        if (!Files.isReadable(path)) {
            throw LockwatchException.usage("--restore " + path + " does not exist or cannot be read");
        }
        byte[] head = new byte[512];
        int read;
        try (InputStream in = Files.newInputStream(path)) {
            read = in.readNBytes(head, 0, head.length);
        } catch (IOException e) {
            throw LockwatchException.usage("--restore " + path + " cannot be read: " + e.getMessage());
        }
        return new DumpFile(path, formatOf(Arrays.copyOf(head, read)));
    }

    private static Format formatOf(byte[] head) {
        if (startsWith(head, 0, "PGDMP")) {
            return Format.CUSTOM;
        }
        if (head.length >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b) {
            return Format.PLAIN_GZIP;
        }
        if (startsWith(head, 257, "ustar")) {
            return Format.TAR;
        }
        return Format.PLAIN;
    }

    private static boolean startsWith(byte[] bytes, int offset, String magic) {
        if (bytes.length < offset + magic.length()) {
            return false;
        }
        for (int i = 0; i < magic.length(); i++) {
            if (bytes[offset + i] != magic.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
