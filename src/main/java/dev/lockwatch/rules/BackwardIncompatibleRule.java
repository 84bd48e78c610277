package dev.lockwatch.rules;

import dev.lockwatch.model.ColumnSchema;
import dev.lockwatch.model.Finding;
import dev.lockwatch.model.RevisionRun;
import dev.lockwatch.model.Severity;
import dev.lockwatch.model.Statement;
import dev.lockwatch.model.TableRef;
import dev.lockwatch.model.TableSchema;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Changes the application version still running during the deploy cannot survive, read from the catalog before
 * and after the revision: a busy table or one of its columns dropped or renamed (same oid or column number under
 * a new name), a column's type changed to one old values or old code may not fit, a NOT NULL column added
 * without a default (the old code's INSERTs do not name it).
 */
public final class BackwardIncompatibleRule implements Rule {
    private static final List<String> INTEGERS = List.of("smallint", "integer", "bigint");
    private static final List<String> FLOATS = List.of("real", "double precision");
    private static final Pattern VARCHAR = Pattern.compile("character varying(?:\\((\\d+)\\))?");
    private static final Pattern NUMERIC = Pattern.compile("numeric(?:\\((\\d+),(\\d+)\\))?");

    @Override
    public String name() {
        return "backward-incompatible";
    }

    @Override
    public Severity defaultSeverity() {
        return Severity.ERROR;
    }

    @Override
    public String summary() {
        return "the previous application version, still running during the deploy, breaks: a table or column it uses "
                + "is dropped or renamed, a column's type changes incompatibly, a NOT NULL column without a default appears";
    }

    @Override
    public List<Finding> check(RevisionRun run) {
        List<Finding> findings = new ArrayList<>();
        for (TableRef table : new TreeSet<>(run.busyTables())) {
            Optional<TableSchema> was = run.before().table(table);
            if (was.isEmpty()) {
                continue;
            }
            Optional<TableSchema> now = run.after().table(table).filter(t -> t.oid() == was.get().oid());
            if (now.isEmpty()) {
                findings.add(tableGone(run, was.get()));
                continue;
            }
            for (ColumnSchema column : was.get().columns()) {
                Optional<ColumnSchema> after = now.get().column(column.name());
                if (after.isEmpty()) {
                    findings.add(columnGone(run, table, column, now.get()));
                } else if (!sameType(column, after.get()) && !compatible(column.type(), after.get().type())) {
                    Statement changed = statementThat(run, s -> s.effects().typeChanged().stream().anyMatch(c ->
                            c.column().table().oid() == was.get().oid() && c.column().attnum() == column.position()))
                            .or(() -> Observations.about(run, table, column.name())).orElse(null);
                    findings.add(incompatible(Evidence.of(run, table, changed),
                            "column " + table + "." + column.name() + " changed type from " + column.type() + " to "
                                    + after.get().type() + ": the running application reads and writes it as "
                                    + column.type(),
                            "expand and contract: op.add_column() a new column of the new type, write both from the "
                                    + "application, backfill, switch reads, and drop the old column in a later deploy"));
                }
            }
            for (ColumnSchema column : now.get().columns()) {
                boolean required = column.notNull() && column.defaultExpression() == null && !column.identity();
                if (required && was.get().column(column.name()).isEmpty() && was.get().columnAt(column.position()).isEmpty()) {
                    // added nullable, then made NOT NULL (add, backfill, SET NOT NULL): the SET NOT NULL breaks
                    Optional<Statement> setNotNull = statementThat(run, s -> s.effects().becameNotNull().stream()
                            .anyMatch(c -> c.table().oid() == now.get().oid() && c.attnum() == column.position()));
                    Statement cited = setNotNull.or(() -> Observations.about(run, table, column.name())).orElse(null);
                    findings.add(incompatible(Evidence.of(run, table, cited),
                            "NOT NULL column " + table + "." + column.name() + (setNotNull.isPresent()
                                    ? " was added and then set NOT NULL, without a default: every "
                                    : " was added without a default: every ")
                                    + "INSERT of the running application, which does not name it, fails",
                            "give it a server_default (op.add_column(" + Identifiers.python(table.name()) + ", sa.Column("
                                    + Identifiers.python(column.name())
                                    + ", ..., nullable=False, server_default=...))), or add it nullable and set NOT NULL "
                                    + "once every running version writes it"));
                }
            }
        }
        return findings;
    }

    /** The same type by identity: a renamed type keeps its oid, and the column is unchanged. */
    private static boolean sameType(ColumnSchema was, ColumnSchema now) {
        return was.typeOid() != 0 && was.typeOid() == now.typeOid() && was.typmod() == now.typmod();
    }

    /** The first statement whose effects {@code did} says, when the gates told. */
    private static Optional<Statement> statementThat(RevisionRun run, Predicate<Statement> did) {
        return run.statements().stream().filter(did).findFirst();
    }

    private Finding tableGone(RevisionRun run, TableSchema was) {
        TableRef table = was.table();
        Optional<TableSchema> renamed = run.after().tableWithOid(was.oid());
        String what = renamed.map(t -> "renamed to " + t.table()).orElse("dropped");
        Statement gone = statementThat(run, s -> s.effects().tablesDropped().stream().anyMatch(t -> t.oid() == was.oid())
                        || s.effects().tablesRenamed().stream().anyMatch(r -> r.table().oid() == was.oid()))
                .or(() -> Observations.about(run, table, table.name())).orElse(null);
        return incompatible(Evidence.of(run, table, gone),
                "table " + table + " was " + what + " while the running application still uses it: its queries fail "
                        + "from this revision until the new version is everywhere",
                renamed.isPresent()
                        ? "keep the old name working across the deploy: rename, then op.execute("
                                + Identifiers.python("CREATE VIEW " + Identifiers.sql(table) + " AS SELECT * FROM "
                                        + Identifiers.sql(renamed.get().table())) + ") until the old version is gone"
                        : "stop using the table in one deploy, and drop it with op.drop_table() in a later one");
    }

    private Finding columnGone(RevisionRun run, TableRef table, ColumnSchema column, TableSchema now) {
        Optional<ColumnSchema> renamed = now.columnAt(column.position());
        String what = renamed.map(c -> "renamed to " + c.name()).orElse("dropped");
        Statement gone = statementThat(run, s -> s.effects().columnsDropped().stream()
                        .anyMatch(c -> c.table().oid() == now.oid() && c.attnum() == column.position())
                        || s.effects().columnsRenamed().stream()
                        .anyMatch(c -> c.table().oid() == now.oid() && c.attnum() == column.position()))
                .or(() -> Observations.about(run, table, column.name())).orElse(null);
        return incompatible(Evidence.of(run, table, gone),
                "column " + table + "." + column.name() + " was " + what + " while the running application still "
                        + "reads and writes it: its queries naming it fail until the new version is everywhere",
                renamed.isPresent()
                        ? "expand and contract: op.add_column() the new name, write both, backfill, switch reads, then "
                                + "op.drop_column() the old name in a later deploy"
                        : "stop using the column in one deploy (SQLAlchemy: remove it from the model, or mark it "
                                + "deferred), then op.drop_column() it in a later one");
    }

    private Finding incompatible(Evidence evidence, String message, String hint) {
        return finding(evidence, message + evidence.lockSentence(), hint);
    }

    /** The same type, or a widening every old value fits and old code can still write. */
    static boolean compatible(String was, String now) {
        if (was.equals(now)) {
            return true;
        }
        if (INTEGERS.contains(was) && INTEGERS.contains(now)) {
            return INTEGERS.indexOf(now) > INTEGERS.indexOf(was);
        }
        if (FLOATS.contains(was) && FLOATS.contains(now)) {
            return FLOATS.indexOf(now) > FLOATS.indexOf(was);
        }
        Matcher varchar = VARCHAR.matcher(was);
        if (varchar.matches()) {
            Matcher wider = VARCHAR.matcher(now);
            return now.equals("text") || wider.matches() && (wider.group(1) == null
                    || varchar.group(1) != null && Integer.parseInt(wider.group(1)) >= Integer.parseInt(varchar.group(1)));
        }
        if (was.equals("text")) {
            return now.equals("character varying");
        }
        Matcher numeric = NUMERIC.matcher(was);
        Matcher wider = NUMERIC.matcher(now);
        if (numeric.matches() && wider.matches() && numeric.group(1) != null) {
            return wider.group(1) == null || wider.group(2).equals(numeric.group(2))
                    && Integer.parseInt(wider.group(1)) >= Integer.parseInt(numeric.group(1));
        }
        return false;
    }
}
