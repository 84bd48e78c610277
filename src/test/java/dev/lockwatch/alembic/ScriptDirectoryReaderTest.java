package dev.lockwatch.alembic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lockwatch.model.LockwatchException;
import dev.lockwatch.model.Revision;
import dev.lockwatch.support.AlembicProject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The revision graph as the real alembic reads it: whatever it accepts is read, whatever it refuses is quoted. */
class ScriptDirectoryReaderTest {
    @TempDir
    Path dir;

    private AlembicProject project() {
        return AlembicProject.create(dir);
    }

    /** A revision file written as the test says, header and all, with a docstring naming it. */
    private static void file(AlembicProject project, String name, String declarations) {
        project.write("migrations/versions/" + name + ".py", "\"\"\"" + name + " message\n\nRevision ID: " + name
                + "\n\"\"\"\nfrom alembic import op\n\n" + declarations + "\n\n\ndef upgrade():\n    pass\n\n\n"
                + "def downgrade():\n    pass\n");
    }

    private static List<Revision> read(AlembicProject project, String... command) {
        return reader(project, command).revisions();
    }

    private static ScriptDirectoryReader reader(AlembicProject project, String... command) {
        return new ScriptDirectoryReader(AlembicIni.read(project.ini(), "alembic"),
                command.length == 0 ? List.of("alembic") : List.of(command), "DATABASE_URL");
    }

    private static List<String> ids(List<Revision> revisions) {
        return revisions.stream().map(Revision::id).toList();
    }

    @Test
    void unicodeLiteralsComputedIdsAndModuleConstantsAreReadAsAlembicReadsThem() {
        AlembicProject project = project();
        file(project, "one", "revision = u'3537d5420e0e'\ndown_revision = None");
        file(project, "two", "PARENT = u'3537d5420e0e'\nrevision = 'ab' + 'cd'\ndown_revision = PARENT");
        file(project, "three", "revision: str = b'ef01'.decode()\ndown_revision: tuple = ('abcd',)\n"
                + "branch_labels = None\ndepends_on = None");

        List<Revision> revisions = read(project);

        assertEquals(List.of("3537d5420e0e", "abcd", "ef01"), ids(revisions));
        assertEquals(List.of("3537d5420e0e"), revisions.get(1).downRevisions());
        assertEquals(List.of("abcd"), revisions.get(2).downRevisions());
        assertEquals("two message", revisions.get(1).message());
        assertEquals(dir.resolve("migrations/versions/two.py"), revisions.get(1).file());
    }

    @Test
    void branchLabelsDependenciesMergesAndSeveralBasesInAlembicsOrder() {
        AlembicProject project = project();
        file(project, "a0", "revision = 'a0'\ndown_revision = None");
        file(project, "b1", "revision = 'b1'\ndown_revision = 'a0'");
        file(project, "c0", "revision = 'c0'\ndown_revision = None\nbranch_labels = ('billing',)");
        file(project, "c1", "revision = 'c1'\ndown_revision = 'c0'\ndepends_on = 'b1'");
        file(project, "d0", "revision = 'd0'\ndown_revision = None\ndepends_on = ['billing']");
        file(project, "m1", "revision = 'm1'\ndown_revision = ('b1', 'c1', 'd0')");

        List<Revision> revisions = read(project);
        RevisionGraph graph = new RevisionGraph(revisions);

        assertEquals(6, revisions.size());
        Revision c0 = graph.get("c0");
        assertEquals(List.of("billing"), c0.branchLabels());
        assertEquals(List.of("b1"), graph.get("c1").dependsOn());
        assertEquals(List.of("c0"), graph.get("d0").dependsOn(), "a branch label in depends_on is resolved by alembic");
        assertEquals(List.of("b1", "c1", "d0"), graph.get("m1").downRevisions());
        assertEquals(List.of("m1"), graph.heads());
        List<String> order = ids(graph.between(null, List.of("m1")));
        assertTrue(order.indexOf("b1") < order.indexOf("c1") && order.indexOf("c0") < order.indexOf("d0"), order.toString());
        assertEquals("m1", order.get(5));
        assertEquals("m1", graph.resolve("billing@head", "--to"), "as alembic resolves it");
        assertEquals(List.of("a0", "b1", "c0", "d0", "c1", "m1"), ids(revisions), "alembic's walk, base first");
    }

    /** The one-line usage error lockwatch gives for a script directory alembic refuses, checked to quote {@code words}. */
    private void assertRefused(String name, String declarations, String... words) {
        AlembicProject project = AlembicProject.create(dir.resolve(name));
        for (String file : declarations.split("\n---\n")) {
            file(project, file.substring(file.indexOf('\'') + 1, file.indexOf('\'', file.indexOf('\'') + 1)), file);
        }
        LockwatchException refused = assertThrows(LockwatchException.class, () -> read(project));
        assertEquals(LockwatchException.USAGE, refused.exitCode());
        for (String word : words) {
            assertTrue(refused.getMessage().contains(word), refused.getMessage());
        }
    }

    @Test
    void whatAlembicRefusesIsAUsageErrorQuotingAlembic() {
        assertRefused("syntax", "revision = 'a0'\ndown_revision = None\n---\nrevision = 'b1'\ndown_revision = = 'a0'",
                "SyntaxError", "b1.py, line 8");
        assertRefused("bytes", "revision = b'a0'\ndown_revision = None", "revision identifier b'a0' is not a string");
        assertRefused("dangling", "revision = 'b1'\ndown_revision = 'nope'", "Revision nope referenced from");
        assertRefused("cycle", "revision = 'a0'\ndown_revision = 'b1'\n---\nrevision = 'b1'\ndown_revision = 'a0'",
                "Cycle is detected in revisions");
        assertRefused("importing", "revision = 'a0'\nimport not_installed_anywhere\ndown_revision = None",
                "No module named 'not_installed_anywhere'", "a0.py, line 8: import not_installed_anywhere");
        assertRefused("computed", "revision = 'c0'\ndown_revision = compute()", "NameError",
                "c0.py, line 8: down_revision = compute()");
    }

    @Test
    void aWrapperCommandUsesItsOwnPythonAndTheHistoryIsTheLastResort() throws Exception {
        AlembicProject project = project();
        file(project, "a0", "revision = u'a0'\ndown_revision = None\nbranch_labels = ('core',)");
        file(project, "b1", "revision = 'b1'\ndown_revision = 'a0'");
        file(project, "c1", "revision = 'c1'\ndown_revision = 'a0'\ndepends_on = 'core'");
        List<Revision> direct = read(project);

        assertEquals(List.of("/usr/bin/python3"), reader(project, "/usr/bin/python3", "/usr/bin/alembic").python().get());
        assertEquals(List.of("env", "python"), reader(project, "env", "alembic").python().get());
        // a launcher that is no Python script: alembic history --verbose is parsed
        Path launcher = dir.resolve("bin/alembic-launcher");
        Files.createDirectories(launcher.getParent());
        Files.writeString(launcher, "#!/bin/sh\nexec /usr/bin/alembic \"$@\"\n");
        assertTrue(launcher.toFile().setExecutable(true));
        assertFalse(reader(project, launcher.toString()).python().isPresent());

        for (List<Revision> other : List.of(read(project, "/usr/bin/python3", "/usr/bin/alembic"),
                read(project, launcher.toString()))) {
            assertEquals(direct, other);
        }
        assertEquals(List.of("a0"), new RevisionGraph(direct).get("c1").dependsOn());
    }

    @Test
    void deletedFilesAreReadFromTheirOldTextByAlembicsLoader() throws Exception {
        AlembicProject project = project();
        file(project, "a0", "revision = 'a0'\ndown_revision = None");
        Path saved = Files.createDirectories(dir.resolve("saved/0")).resolve("old.py");
        Files.writeString(saved, "revision = u'0ld1d'\ndown_revision = 'a0'\n");
        Path gone = Files.createDirectories(dir.resolve("saved/1")).resolve("gone.py");
        Files.writeString(gone, "import not_installed_anywhere\nrevision = 'x'\n");

        Map<Path, String> ids = reader(project).deletedRevisions(List.of(saved, gone));

        assertEquals(Map.of(saved, "0ld1d"), ids);
    }

    /** neutron's layout: expand and contract branches whose labels are constants of an imported module. */
    @Test
    void expandAndContractBranchesLabelledByImportedConstants() {
        AlembicProject project = project();
        project.write("alembic.ini", "[alembic]\nscript_location = migrations\nprepend_sys_path = .\n"
                + "version_locations = %(here)s/migrations/versions %(here)s/migrations/versions/expand "
                + "%(here)s/migrations/versions/contract\n");
        project.write("release.py", "EXPAND_BRANCH = 'expand'\nCONTRACT_BRANCH = 'contract'\n");
        file(project, "kilo", "revision = 'kilo'\ndown_revision = None");
        project.write("migrations/versions/expand/e1.py", "import release\nrevision = 'e1'\ndown_revision = 'kilo'\n"
                + "branch_labels = (release.EXPAND_BRANCH,)\n");
        project.write("migrations/versions/contract/c1.py", "from release import CONTRACT_BRANCH\nrevision = 'c1'\n"
                + "down_revision = 'kilo'\nbranch_labels = (CONTRACT_BRANCH,)\ndepends_on = ('expand',)\n");

        RevisionGraph graph = new RevisionGraph(read(project));

        assertEquals(List.of("c1", "e1"), graph.heads());
        assertEquals(List.of("expand"), graph.get("e1").branchLabels());
        assertEquals(List.of("e1"), graph.get("c1").dependsOn());
        assertEquals(dir.resolve("migrations/versions/contract/c1.py"), graph.get("c1").file());
        assertEquals(List.of("kilo", "e1", "c1"), ids(graph.between(null, graph.heads())));
    }
}
