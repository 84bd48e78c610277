package dev.lockwatch.rules;

import dev.lockwatch.model.LockMode;
import dev.lockwatch.model.ObservedLock;
import dev.lockwatch.model.RevisionRun;
import dev.lockwatch.model.RowCount;
import dev.lockwatch.model.Statement;
import dev.lockwatch.model.StatementEffects;
import dev.lockwatch.model.TableRef;
import dev.lockwatch.model.TableSchema;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/** Look-ups rules share over a revision's observations: locks, statements, rows. */
final class Observations {
    private Observations() {
    }

    /**
     * The strongest lock {@code statement} took on {@code table}; when it took none there, the strongest it ran under
     * that an earlier statement of its transaction took ({@link ObservedLock#heldBefore}: a statement asking for a
     * lock its transaction already holds shows no lock of its own).
     */
    static Optional<ObservedLock> strongest(Statement statement, TableRef table) {
        return statement.locks().stream().filter(l -> l.table().equals(table)).max(OWN_FIRST);
    }

    /**
     * A write-blocking lock on a busy table that the statement asked for itself, seen in pg_locks: not inferred, nor
     * one its transaction held before it ran (that one's story is told where it was taken).
     */
    static boolean askedToBlockWrites(ObservedLock lock) {
        return lock.busy() && lock.mode().blocksWrites() && !lock.inferred() && !lock.heldBefore();
    }

    /** Locks a statement took before those it ran under, then by strength. */
    private static final Comparator<ObservedLock> OWN_FIRST = Comparator.comparing((ObservedLock l) -> !l.heldBefore())
            .thenComparing(ObservedLock::mode);

    /**
     * The strongest lock the statements of {@code first}'s transaction took on {@code lock}'s table (those they ran
     * under only when they took none there themselves): a transaction may
     * strengthen its lock later (SHARE, then ACCESS EXCLUSIVE), and one statement takes several (a column with a
     * volatile default: SHARE, then ACCESS EXCLUSIVE), so the lock a finding names is the strongest, never the first.
     */
    static ObservedLock strongestInTransaction(List<Statement> statements, Statement first, ObservedLock lock) {
        return statements.stream().filter(s -> s.transaction() == first.transaction())
                .flatMap(s -> strongest(s, lock.table()).stream())
                .max(OWN_FIRST).orElse(lock);
    }

    /**
     * The strongest write-blocking lock on {@code table} held while {@code statements.get(index)} ran: taken by it
     * or by an earlier statement of its transaction (locks last until the transaction ends).
     */
    static Optional<ObservedLock> writeBlockingHeldAt(List<Statement> statements, int index, TableRef table) {
        int transaction = statements.get(index).transaction();
        return statements.subList(0, index + 1).stream().filter(s -> s.transaction() == transaction)
                .flatMap(s -> strongest(s, table).stream())
                .filter(l -> l.mode().blocksWrites() && !l.inferred())
                .max(Comparator.comparing(ObservedLock::mode));
    }

    /** A busy table that is the same table (oid) before and after the revision, in both shapes. */
    record Kept(TableRef table, TableSchema was, TableSchema now) {
    }

    /** The busy tables the revision kept, sorted by name. */
    static List<Kept> keptBusyTables(RevisionRun run) {
        return run.busyTables().stream().sorted()
                .flatMap(t -> run.before().table(t).stream().flatMap(was -> run.after().table(t)
                        .filter(now -> now.oid() == was.oid()).map(now -> new Kept(t, was, now)).stream()))
                .toList();
    }

    /** Rows when the revision started; for a table it created, rows once it ended. */
    static RowCount rows(RevisionRun run, TableRef table) {
        return run.before().table(table).or(() -> run.after().table(table)).map(TableSchema::rows).orElse(null);
    }

    /** The first statement whose SQL names {@code identifier} (a constraint, index or column name). */
    static Optional<Statement> naming(RevisionRun run, String identifier) {
        return run.statements().stream().filter(s -> names(s, identifier)).findFirst();
    }

    /** Whether the statement's SQL names {@code identifier}, quoted or not. */
    static boolean names(Statement statement, String identifier) {
        return Pattern.compile("(?<![\\w$])\"?" + Pattern.quote(identifier) + "\"?(?![\\w$])", Pattern.CASE_INSENSITIVE)
                .matcher(statement.sql()).find();
    }

    /**
     * The statement that most likely made a change to {@code table}: one naming {@code identifier}, else the DDL
     * the server said acted on the table, else the one holding its strongest lock, else one naming the table.
     */
    static Optional<Statement> about(RevisionRun run, TableRef table, String identifier) {
        return naming(run, identifier)
                .or(() -> run.statements().stream().filter(s -> table.equals(s.target())).findFirst())
                .or(() -> run.statements().stream().filter(s -> strongest(s, table).isPresent())
                        .max(Comparator.comparing(s -> strongest(s, table).get().mode())))
                .or(() -> naming(run, table.name()));
    }

    /** Whether the gates reported what the run's statements did (not when capture was polling alone). */
    static boolean effectsKnown(RevisionRun run) {
        return run.statements().stream().anyMatch(s -> s.effects().known());
    }

    /** The name {@code table} had when the revision started (locks and busy tables use it); empty for a new table. */
    static Optional<TableRef> before(RevisionRun run, StatementEffects.TableId table) {
        return run.before().tableWithOid(table.oid()).map(TableSchema::table);
    }

    /** Busy: existed before the deploy, under whatever name it has now (tracked by oid). */
    static boolean busy(RevisionRun run, StatementEffects.TableId table) {
        return run.busy(table);
    }

    /**
     * Evidence about a table the statement at {@code index} changed, under its name at the time, with the strongest
     * write-blocking lock its transaction held on it then; empty when none was held.
     */
    static Optional<Evidence> writeBlocked(RevisionRun run, int index, StatementEffects.TableId table) {
        Optional<TableRef> was = before(run, table);
        Optional<ObservedLock> held = was.flatMap(t -> writeBlockingHeldAt(run.statements(), index, t));
        return held.map(lock -> new Evidence(table.name(), run.statements().get(index), lock, lock.mode(),
                rows(run, was.get())));
    }

    /** Whether {@code statement} took a lock on {@code table} of at least {@code mode}. */
    static boolean locks(Statement statement, TableRef table, LockMode mode) {
        return strongest(statement, table).filter(l -> l.mode().atLeast(mode)).isPresent();
    }
}
