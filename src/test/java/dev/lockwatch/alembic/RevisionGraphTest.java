package dev.lockwatch.alembic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lockwatch.model.LockwatchException;
import dev.lockwatch.model.Revision;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class RevisionGraphTest {
    private static Revision rev(String id, List<String> down, List<String> depends, String... labels) {
        return new Revision(id, down, depends, List.of(labels), Path.of(id + ".py"), id);
    }

    private static Revision rev(String id, String... down) {
        return rev(id, List.of(down), List.of());
    }

    private final RevisionGraph graph = new RevisionGraph(List.of(
            rev("a"), rev("b1", "a"), rev("c1", "a"), rev("c2", "c1"),
            rev("d", List.of(), List.of("c1")), rev("m", "b1", "c2", "d")));

    @Test
    void stepsPrerequisitesFirstWithTiesBrokenById() {
        assertEquals(List.of("a", "b1", "c1", "c2", "d", "m"), ids(graph.between(null, List.of("m"))));
        assertEquals(List.of("c1", "c2", "d", "m"), ids(graph.between("b1", List.of("m"))).stream().filter(i -> !i.equals("b1")).toList()
                .subList(0, 4));
    }

    @Test
    void theBaselineAndItsAncestorsAreNotVerified() {
        assertEquals(List.of("b1", "c1", "c2", "d", "m"), ids(graph.between("a", List.of("m"))));
        assertEquals(List.of("c2"), ids(graph.between("c1", List.of("c2"))));
    }

    @Test
    void resolvesHeadBasePrefixesAndLabels() {
        assertEquals("m", graph.resolve("head", "--to"));
        assertNull(graph.resolve("base", "--from"));
        assertEquals("c2", new RevisionGraph(List.of(rev("abc123"), rev("abd999", "abc123"), rev("c2", "abd999")))
                .resolve("c2", "--to"));
        assertEquals("abd999", new RevisionGraph(List.of(rev("abc123"), rev("abd999", "abc123"))).resolve("abd", "--to"));
        RevisionGraph labelled = new RevisionGraph(List.of(rev("x1", List.of(), List.of(), "billing"), rev("x2", "x1")));
        assertEquals("x2", labelled.resolve("billing@head", "--to"));
    }

    @Test
    void severalHeadsAmbiguousPrefixesAndUnknownIdsAreUsageErrors() {
        RevisionGraph branched = new RevisionGraph(List.of(rev("a"), rev("b", "a"), rev("c", "a")));
        LockwatchException heads = assertThrows(LockwatchException.class, () -> branched.resolve("head", "--to"));
        assertTrue(heads.getMessage().contains("2 heads (b, c)"), heads.getMessage());
        assertEquals(LockwatchException.USAGE, heads.exitCode());
        RevisionGraph prefixes = new RevisionGraph(List.of(rev("abc1"), rev("abc2", "abc1")));
        assertTrue(assertThrows(LockwatchException.class, () -> prefixes.resolve("abc", "--to")).getMessage().contains("ambiguous"));
        assertTrue(assertThrows(LockwatchException.class, () -> graph.resolve("zzz", "--to")).getMessage().contains("not a revision"));
    }

    @Test
    void danglingParentsAndCyclesAreNamed() {
        assertTrue(assertThrows(LockwatchException.class, () -> new RevisionGraph(List.of(rev("b", "nope"))))
                .getMessage().contains("refers to nope"));
        assertTrue(assertThrows(LockwatchException.class, () -> new RevisionGraph(List.of(rev("a", "b"), rev("b", "a"))))
                .getMessage().contains("cycle"));
    }

    private static List<String> ids(List<Revision> revisions) {
        return revisions.stream().map(Revision::id).toList();
    }
}
