package dev.lockwatch.rules;

import dev.lockwatch.model.LockMode;
import dev.lockwatch.model.ObservedLock;
import dev.lockwatch.model.RevisionRun;
import dev.lockwatch.model.Statement;
import dev.lockwatch.model.TableRef;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * The busy tables a kind of command locked, as the server showed it: one piece of {@link Evidence} per statement
 * and table, with the statement's strongest lock there. Locks lockwatch only inferred are not evidence.
 */
final class CommandLocks {
    private CommandLocks() {
    }

    /** Statements whose command tag starts with {@code tag} (polling alone sees only the first word, e.g. REFRESH). */
    static Predicate<Statement> tagged(String tag) {
        return s -> !s.tag().isEmpty() && (s.tag().equals(tag) || tag.startsWith(s.tag() + " "));
    }

    /** For each statement {@code command} accepts, each busy table it locked in a mode {@code mode} accepts. */
    static List<Evidence> busy(RevisionRun run, Predicate<Statement> command, Predicate<LockMode> mode) {
        List<Evidence> found = new ArrayList<>();
        for (Statement statement : run.statements()) {
            if (!command.test(statement)) {
                continue;
            }
            Set<TableRef> tables = new TreeSet<>();
            for (ObservedLock lock : statement.locks()) {
                if (lock.busy() && !lock.inferred() && mode.test(lock.mode())) {
                    tables.add(lock.table());
                }
            }
            for (TableRef table : tables) {
                found.add(Evidence.of(run, table, statement));
            }
        }
        return found;
    }

    /** The table's kind before the revision ({@code table}, {@code partitioned table}, ...), empty when it was new. */
    static String kindBefore(RevisionRun run, TableRef table) {
        return run.before().table(table).map(t -> t.kind()).orElse("");
    }
}
