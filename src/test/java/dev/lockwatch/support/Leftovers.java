package dev.lockwatch.support;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.File;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/** What a lockwatch run may leave behind: temp folders and Postgres processes serving them. */
public record Leftovers(Set<String> tempFolders, Set<Long> postgresProcesses) {

    public static Leftovers now() {
        return in(new File(System.getProperty("java.io.tmpdir")));
    }

    public static Leftovers in(File tmp) {
        String[] names = tmp.list((dir, name) -> name.startsWith("lockwatch-") && new File(dir, name).isDirectory());
        Set<String> folders = new TreeSet<>(names == null ? List.of() : Arrays.asList(names));
        Set<Long> postgres = ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().orElse("").contains(tmp.getAbsolutePath() + "/lockwatch-"))
                .map(ProcessHandle::pid)
                .collect(Collectors.toCollection(TreeSet::new));
        return new Leftovers(folders, postgres);
    }

    /** Nothing appeared since this snapshot (other test runs may own what was already there). */
    public void assertNothingNew() {
        assertNothingNewIn(new File(System.getProperty("java.io.tmpdir")));
    }

    public void assertNothingNewIn(File tmp) {
        Leftovers after = in(tmp);
        Set<String> folders = new TreeSet<>(after.tempFolders);
        folders.removeAll(tempFolders);
        Set<Long> processes = new TreeSet<>(after.postgresProcesses);
        processes.removeAll(postgresProcesses);
        assertEquals(Set.of(), folders, "temp folders left behind");
        assertEquals(Set.of(), processes, "processes left running");
    }
}
