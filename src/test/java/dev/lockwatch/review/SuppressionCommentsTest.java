package dev.lockwatch.review;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lockwatch.model.RuleId;
import dev.lockwatch.model.SuppressionComment;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** Where a suppression comment applies, read from Python source without running it. */
class SuppressionCommentsTest {
    private static List<SuppressionComment> parse(String source) {
        return SuppressionComments.parse(Path.of("/p/versions/r.py"), PythonSource.parse(source));
    }

    @Test
    void scopesFollowPythonsLogicalLines() {
        List<SuppressionComment> comments = parse("""
                # lockwatch: ignore[a] reason: top of file
                \"\"\"docstring
                # lockwatch: ignore[not-a-comment] reason: inside a string
                \"\"\"
                # lockwatch: ignore[b] reason: still the header
                from alembic import op

                def upgrade():
                    # lockwatch: ignore[c] reason: above
                    # another comment
                    op.create_index('ix', 'orders',
                                    ['a'])
                    op.execute("SELECT '#'")  # lockwatch: ignore[d] reason: trailing
                    # lockwatch: ignore[e] reason: a blank line follows

                    op.drop_index('ix')
                """);
        assertEquals(List.of("a", "b", "c", "d", "e"), comments.stream().map(c -> c.rules().get(0)).toList());
        assertEquals(SuppressionComment.Scope.FILE, comments.get(0).scope());
        assertEquals(SuppressionComment.Scope.FILE, comments.get(1).scope());
        SuppressionComment above = comments.get(2);
        assertEquals(SuppressionComment.Scope.LINE, above.scope());
        assertEquals(11, above.firstLine());
        assertEquals(12, above.lastLine());
        assertTrue(above.covers(new RuleId("c"), OptionalInt.of(12)), "the whole call, whichever line Python reports");
        assertFalse(above.covers(new RuleId("c"), OptionalInt.of(13)));
        assertFalse(above.covers(new RuleId("other-rule"), OptionalInt.of(11)));
        SuppressionComment trailing = comments.get(3);
        assertEquals(13, trailing.firstLine());
        assertEquals("trailing", trailing.reason());
        assertTrue(comments.get(4).problem().contains("no statement right below"), comments.get(4).problem());
    }

    @Test
    void reasonsAndProblems() {
        List<SuppressionComment> comments = parse("""
                x = 1
                y = 1  # lockwatch: ignore[a, b]
                y = 2  # lockwatch: ignore[a] reason:
                y = 3  # lockwatch: ignore[] reason: none named
                y = 4  # lockwatch: ignore[a] because: wrong word
                y = 5  # lockwatch: skip[a] reason: wrong verb
                y = 6  # LOCKWATCH is not a lockwatch comment
                """);
        assertEquals(5, comments.size());
        assertEquals(List.of("a", "b"), comments.get(0).rules());
        assertNull(comments.get(0).reason());
        assertNull(comments.get(0).problem());
        assertFalse(comments.get(0).valid());
        assertFalse(comments.get(1).hasReason());
        assertTrue(comments.get(2).problem().contains("names no rule"));
        assertTrue(comments.get(3).problem().contains("reason: WHY"));
        assertTrue(comments.get(4).problem().contains("expected ignore["));
    }
}
