package dev.lockwatch.rules;

import dev.lockwatch.model.Finding;
import dev.lockwatch.model.LockMode;
import dev.lockwatch.model.ObservedLock;
import dev.lockwatch.model.RevisionRun;
import dev.lockwatch.model.Severity;
import dev.lockwatch.model.Statement;
import dev.lockwatch.model.StatementEffects;
import dev.lockwatch.model.TableRef;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * An index built while a busy table is locked against writes: CREATE INDEX without CONCURRENTLY, REINDEX, or an
 * ALTER TABLE that builds one (a unique constraint or primary key). The server's own lock on the table is the
 * evidence: an index build takes SHARE; a concurrent one takes SHARE UPDATE EXCLUSIVE and is not flagged.
 */
public final class NonConcurrentIndexRule implements Rule {
    private static final Set<String> INDEX_COMMANDS = Set.of("CREATE INDEX", "REINDEX");

    @Override
    public String name() {
        return "non-concurrent-index";
    }

    @Override
    public Severity defaultSeverity() {
        return Severity.ERROR;
    }

    @Override
    public String summary() {
        return "an index build that holds SHARE or stronger on a busy table, blocking every write until it finishes";
    }

    @Override
    public String explanation() {
        return "The classic migration outage. A plain op.create_index(...) takes a SHARE lock: reads go on, but "
                + "every INSERT, UPDATE and DELETE on the table waits until the build finishes, and the build takes "
                + "as long as the table is big. It passes locally and in staging because tables there are small. "
                + "Fix: with op.get_context().autocommit_block(): op.create_index(..., postgresql_concurrently=True). "
                + "For a unique constraint, build the unique index concurrently, then attach it with "
                + "ALTER TABLE ... ADD CONSTRAINT ... UNIQUE USING INDEX .... Not raised for tables created in the "
                + "same revision, tables that are not busy, or concurrent builds.";
    }

    @Override
    public List<Finding> check(RevisionRun run) {
        List<Finding> findings = new ArrayList<>();
        List<Statement> statements = run.statements();
        for (int i = 0; i < statements.size(); i++) {
            Statement statement = statements.get(i);
            if (statement.effects().known()) {
                findings.addAll(fromEffects(run, i));
            } else {
                findings.addAll(fromLocks(run, statement));
            }
        }
        return findings;
    }

    /**
     * The indexes the statement gave storage of their own (built or rebuilt) on busy tables, while its transaction
     * held writes off the table: whatever lock was held already (ADD PRIMARY KEY after a rewrite in the same
     * transaction counts). A rewrite rebuilds its indexes too (table-rewrite tells that story); an index recreated on
     * its old storage (a binary-coercible type change) was not built; a concurrent build holds no write-blocking lock.
     */
    private List<Finding> fromEffects(RevisionRun run, int index) {
        Statement statement = run.statements().get(index);
        StatementEffects did = statement.effects();
        Set<StatementEffects.TableId> built = new LinkedHashSet<>();
        for (StatementEffects.IndexBuilt build : did.indexesBuilt()) {
            if (!did.rewritten().contains(build.table()) && Observations.busy(run, build.table())) {
                built.add(build.table());
            }
        }
        List<Finding> findings = new ArrayList<>();
        for (StatementEffects.TableId table : built) {
            Observations.writeBlocked(run, index, table).filter(e -> !e.lock().inferred())
                    .ifPresent(e -> findings.add(finding(e)));
        }
        return findings;
    }

    /** Without reported effects (polling alone, or a REINDEX no gate paused): the index command's own lock. */
    private List<Finding> fromLocks(RevisionRun run, Statement statement) {
        if (statement.rewrite()) {
            return List.of(); // a rewrite rebuilds its indexes too; table-rewrite tells that story
        }
        boolean indexCommand = INDEX_COMMANDS.contains(statement.tag());
        Set<TableRef> built = new TreeSet<>();
        for (ObservedLock lock : statement.locks()) {
            boolean builds = indexCommand ? lock.mode().blocksWrites()
                    : "ALTER TABLE".equals(statement.tag()) && lock.mode() == LockMode.SHARE;
            if (builds && lock.busy() && !lock.inferred()) {
                built.add(lock.table());
            }
        }
        List<Finding> findings = new ArrayList<>();
        for (TableRef table : built) {
            ObservedLock strongest = statement.locks().stream().filter(l -> l.table().equals(table))
                    .max(Comparator.comparing(ObservedLock::mode)).orElseThrow();
            findings.add(finding(Evidence.of(run, table, statement).withLock(strongest)));
        }
        return findings;
    }

    private Finding finding(Evidence evidence) {
        Statement statement = evidence.statement();
        String what = switch (statement.tag()) {
            case "CREATE INDEX" -> "CREATE INDEX without CONCURRENTLY";
            case "REINDEX" -> "REINDEX";
            default -> statement.tag() + " builds an index and";
        };
        String message = what + " held " + evidence.mode().sqlName() + " on " + evidence.table() + " for "
                + evidence.lock().heldMs() + " ms here with " + evidence.rowsWords() + ": it " + evidence.mode().impact()
                + " for the whole build, which grows with the table";
        return finding(evidence, message, hint(statement, evidence.table()));
    }

    private static String hint(Statement statement, TableRef table) {
        return switch (statement.tag()) {
            case "CREATE INDEX" -> "build it concurrently, outside the migration's transaction: "
                    + "with op.get_context().autocommit_block(): op.create_index(..., postgresql_concurrently=True)";
            case "REINDEX" -> "use REINDEX ... CONCURRENTLY (PostgreSQL 12+) inside "
                    + "with op.get_context().autocommit_block():";
            default -> "build the index first with op.create_index(..., unique=True, postgresql_concurrently=True) "
                    + "inside with op.get_context().autocommit_block():, then attach it: "
                    + "op.execute(\"ALTER TABLE " + Identifiers.sql(table).replace("\"", "\\\"")
                    + " ADD CONSTRAINT ... UNIQUE USING INDEX ...\") (or PRIMARY KEY USING INDEX)";
        };
    }
}
