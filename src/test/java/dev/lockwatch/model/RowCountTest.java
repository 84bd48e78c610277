package dev.lockwatch.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Locale;
import org.junit.jupiter.api.Test;

class RowCountTest {
    @Test
    void countsAreGroupedByThousandsAsInEnglish() {
        for (long n : new long[] {0, 7, 999, 1_000, 12_345, 999_999, 1_000_000, 1_234_567_890L, Long.MAX_VALUE, -1_234_567}) {
            assertEquals(String.format(Locale.ENGLISH, "%,d", n), RowCount.grouped(n));
        }
    }

    @Test
    void aCountReadsTheSameWhateverTheLocale() {
        Locale before = Locale.getDefault(Locale.Category.FORMAT);
        try {
            Locale.setDefault(Locale.Category.FORMAT, Locale.GERMANY);
            assertEquals("about 1,200 rows", new RowCount(1_200, false).toString());
            assertEquals("1 row", new RowCount(1, true).toString());
        } finally {
            Locale.setDefault(Locale.Category.FORMAT, before);
        }
    }
}
