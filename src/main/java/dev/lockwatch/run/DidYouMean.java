package dev.lockwatch.run;

import java.util.Collection;
import java.util.Comparator;
import java.util.Optional;

/** The known name closest to a mistyped one, for "did you mean" hints; none when nothing is close. */
final class DidYouMean {
    private DidYouMean() {
    }

    static Optional<String> among(String typed, Collection<String> known) {
        int allowed = Math.max(2, typed.length() / 3);
        return known.stream().filter(name -> distance(typed, name) <= allowed)
                .min(Comparator.comparingInt((String name) -> distance(typed, name)).thenComparing(name -> name));
    }

    /** Levenshtein distance, case-insensitive. */
    static int distance(String a, String b) {
        String x = a.toLowerCase(java.util.Locale.ROOT);
        String y = b.toLowerCase(java.util.Locale.ROOT);
        int[] previous = new int[y.length() + 1];
        int[] current = new int[y.length() + 1];
        for (int j = 0; j <= y.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= x.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= y.length(); j++) {
                int substitution = previous[j - 1] + (x.charAt(i - 1) == y.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[y.length()];
    }
}
