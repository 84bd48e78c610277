package dev.lockwatch.rules;

import dev.lockwatch.model.Finding;
import dev.lockwatch.model.RevisionRun;
import dev.lockwatch.model.Severity;
import java.util.List;

/** One kind of finding: a pure function from what a revision's run showed to findings. */
public interface Rule {

    /** The rule's name in reports and on the command line; part of the JSON contract. */
    String name();

    Severity defaultSeverity();

    /** One sentence for {@code lockwatch explain} and the README: what it catches. */
    String summary();

    List<Finding> check(RevisionRun run);

    default Finding finding(String table, String lock, String statement, String message, String hint) {
        return new Finding(name(), defaultSeverity(), table, lock, statement, message, hint);
    }
}
