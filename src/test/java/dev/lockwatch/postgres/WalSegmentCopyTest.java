package dev.lockwatch.postgres;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A WAL segment copied without its trailing zeros reads back byte for byte as the original. */
class WalSegmentCopyTest {
    @TempDir
    Path folder;

    @Test
    void aSegmentWithZerosAfterItsRecordsReadsBackTheSame() throws Exception {
        byte[] segment = new byte[1 << 20];
        new Random(7).nextBytes(segment);
        java.util.Arrays.fill(segment, 300_001, segment.length, (byte) 0); // records, then the zeros initdb wrote
        java.util.Arrays.fill(segment, 1000, 90_000, (byte) 0); // zeros inside the records are copied as they are
        assertCopiedAsIs(segment);
    }

    @Test
    void aSegmentOfZerosAloneOrWithoutAnyReadsBackTheSame() throws Exception {
        assertCopiedAsIs(new byte[1 << 20]);
        byte[] full = new byte[(1 << 16) * 3 + 5];
        new Random(3).nextBytes(full);
        full[full.length - 1] = 1;
        assertCopiedAsIs(full);
        assertCopiedAsIs(new byte[0]);
        for (int last : new int[] {(1 << 16) * 5 - 1, (1 << 16) * 5, 0}) { // the last byte read of a block, the first
            byte[] zerosAfter = new byte[1 << 20];
            zerosAfter[last] = 1;
            assertCopiedAsIs(zerosAfter);
        }
    }

    private void assertCopiedAsIs(byte[] content) throws Exception {
        Path source = Files.write(folder.resolve("source"), content);
        Path target = folder.resolve("target");
        Files.write(target, new byte[] {9, 9, 9}); // a leftover is replaced
        EmbeddedPostgresProvider.copyUsedPart(source, target);
        assertArrayEquals(content, Files.readAllBytes(target));
    }
}
