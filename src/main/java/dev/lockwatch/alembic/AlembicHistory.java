package dev.lockwatch.alembic;

import dev.lockwatch.model.Revision;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The last resort when no Python is reachable behind the alembic command: the revisions as
 * {@code alembic history --verbose} prints them (alembic's {@code Script.log_entry}), heads first. Dependencies
 * named by a branch label are resolved to the labelled revision, as alembic does.
 */
final class AlembicHistory {
    private AlembicHistory() {
    }

    /** {@code folder}: where alembic ran, which relative paths it prints are relative to. */
    static List<Revision> parse(String output, Path folder) {
        List<Map<String, String>> entries = new ArrayList<>();
        Map<String, String> entry = null;
        for (String line : output.split("\n")) {
            if (line.startsWith("Rev: ")) {
                entry = new HashMap<>();
                entries.add(entry);
                entry.put("Rev", line.substring(5).strip().split(" ")[0]);
            } else if (entry != null && line.startsWith("    ") && !entry.containsKey("message")) {
                entry.put("message", line.strip());
            } else if (entry != null && line.contains(": ") && !line.startsWith(" ")) {
                int colon = line.indexOf(": ");
                entry.putIfAbsent(line.substring(0, colon), line.substring(colon + 2).strip());
            }
        }
        Collections.reverse(entries); // base first, alembic's upgrade order
        // alembic prints the labels a revision inherits from its branch too: a label is declared where no parent has it
        Map<String, List<String>> inherited = new HashMap<>();
        Map<String, List<String>> declared = new HashMap<>();
        Map<String, String> labelled = new HashMap<>();
        for (Map<String, String> e : entries) {
            String id = e.get("Rev");
            inherited.put(id, list(e.get("Branch names")));
            List<String> own = inherited.get(id).stream().filter(label -> parents(e).stream()
                    .noneMatch(parent -> inherited.getOrDefault(parent, List.of()).contains(label))).toList();
            declared.put(id, own);
            own.forEach(label -> labelled.put(label, id));
        }
        List<Revision> revisions = new ArrayList<>();
        for (Map<String, String> e : entries) {
            List<String> depends = list(e.get("Also depends on")).stream().map(d -> labelled.getOrDefault(d, d)).toList();
            revisions.add(new Revision(e.get("Rev"), parents(e), depends, declared.get(e.get("Rev")),
                    folder.resolve(e.get("Path")).normalize(), e.getOrDefault("message", "")));
        }
        return revisions;
    }

    private static List<String> parents(Map<String, String> entry) {
        String parents = entry.getOrDefault("Merges", entry.get("Parent"));
        return "<base>".equals(parents) ? List.of() : list(parents);
    }

    private static List<String> list(String commaSeparated) {
        if (commaSeparated == null || commaSeparated.isBlank()) {
            return List.of();
        }
        return Arrays.stream(commaSeparated.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
    }
}
