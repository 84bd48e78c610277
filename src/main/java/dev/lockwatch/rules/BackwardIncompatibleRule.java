package dev.lockwatch.rules;

import dev.lockwatch.model.ColumnSchema;
import dev.lockwatch.model.Finding;
import dev.lockwatch.model.RevisionRun;
import dev.lockwatch.model.Severity;
import dev.lockwatch.model.Statement;
import dev.lockwatch.model.StatementEffects;
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
 * Changes the application version still running during the deploy cannot survive: a busy table or one of its
 * columns that existed before the deploy dropped or renamed, a column's type changed to one old values or old code
 * may not fit (each from the statement's own effects, by oid, cited at that statement; from the catalogs before and
 * after the revision when the gates reported none), a NOT NULL column added without a default (the old code's
 * INSERTs do not name it).
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
        List<Finding> findings = new ArrayList<>(Observations.effectsKnown(run) ? fromEffects(run) : fromCatalogs(run));
        findings.addAll(requiredColumns(run));
        return findings;
    }

    /**
     * What each statement did, by oid: a table or column that existed before the deploy, on a busy table, dropped or
     * renamed by it, or a type change of such a column; cited at that statement. Whatever else the deploy's other
     * revisions did to the same table does not hide it.
     */
    private List<Finding> fromEffects(RevisionRun run) {
        List<Finding> findings = new ArrayList<>();
        for (Statement statement : run.statements()) {
            StatementEffects did = statement.effects();
            for (StatementEffects.TableId table : did.tablesDropped()) {
                if (run.busy(table)) {
                    findings.add(tableGone(run, named(run, table), Optional.empty(), statement));
                }
            }
            for (StatementEffects.TableRename rename : did.tablesRenamed()) {
                if (run.busy(rename.table())) {
                    findings.add(tableGone(run, rename.from(), Optional.of(rename.to()), statement));
                }
            }
            for (StatementEffects.Column column : did.columnsDropped()) {
                existedBefore(run, column.table(), column.attnum()).ifPresent(was ->
                        findings.add(columnGone(run, named(run, column.table()), was.name(), Optional.empty(), statement)));
            }
            for (StatementEffects.ColumnRename rename : did.columnsRenamed()) {
                existedBefore(run, rename.table(), rename.attnum()).ifPresent(was -> findings.add(
                        columnGone(run, named(run, rename.table()), rename.from(), Optional.of(rename.to()), statement)));
            }
            for (StatementEffects.TypeChange change : did.typeChanged()) {
                StatementEffects.Column column = change.column();
                existedBefore(run, column.table(), column.attnum())
                        .filter(was -> !compatible(change.from(), change.to()))
                        .ifPresent(was -> findings.add(typeChanged(run, named(run, column.table()), was.name(),
                                change.from(), change.to(), statement)));
            }
        }
        return findings;
    }

    /** The column (by attnum) as it was before the deploy, when its table is busy and it existed then. */
    private static Optional<ColumnSchema> existedBefore(RevisionRun run, StatementEffects.TableId table, int attnum) {
        return run.busy(table) ? run.before().tableWithOid(table.oid()).flatMap(t -> t.columnAt(attnum)) : Optional.empty();
    }

    /** The table's name before the deploy (what the running application uses), else its name at the time. */
    private static TableRef named(RevisionRun run, StatementEffects.TableId table) {
        return Observations.before(run, table).orElse(table.name());
    }

    /** The catalogs before and after the revision, by name and oid: when the gates reported no effects (polling alone). */
    private List<Finding> fromCatalogs(RevisionRun run) {
        List<Finding> findings = new ArrayList<>();
        for (TableRef table : new TreeSet<>(run.busyTables())) {
            Optional<TableSchema> was = run.before().table(table);
            if (was.isEmpty()) {
                continue;
            }
            Optional<TableSchema> now = run.after().table(table).filter(t -> t.oid() == was.get().oid());
            if (now.isEmpty()) {
                Optional<TableRef> renamed = run.after().tableWithOid(was.get().oid()).map(TableSchema::table);
                findings.add(tableGone(run, table, renamed, Observations.about(run, table, table.name()).orElse(null)));
                continue;
            }
            for (ColumnSchema column : was.get().columns()) {
                Optional<ColumnSchema> after = now.get().column(column.name());
                if (after.isEmpty()) {
                    findings.add(columnGone(run, table, column.name(), now.get().columnAt(column.position())
                            .map(ColumnSchema::name), Observations.about(run, table, column.name()).orElse(null)));
                } else if (!sameType(column, after.get()) && !compatible(column.type(), after.get().type())) {
                    findings.add(typeChanged(run, table, column.name(), column.type(), after.get().type(),
                            Observations.about(run, table, column.name()).orElse(null)));
                }
            }
        }
        return findings;
    }

    /**
     * NOT NULL columns without a default added to a busy table (a column number it did not have before the deploy),
     * as the deploy left it, by oid: charged to this revision when one of its statements made the column NOT NULL or
     * added it (an ALTER TABLE naming it after ADD); a revision that was its own deploy is the one that added it.
     */
    private List<Finding> requiredColumns(RevisionRun run) {
        List<Finding> findings = new ArrayList<>();
        for (TableSchema was : run.before().tables().values().stream().filter(t -> run.busyOids().contains(t.oid()))
                .sorted(java.util.Comparator.comparing(TableSchema::table)).toList()) {
            Optional<TableSchema> end = run.deployAfter().tableWithOid(was.oid());
            TableRef table = was.table();
            for (ColumnSchema column : end.map(TableSchema::columns).orElse(List.of())) {
                boolean required = column.notNull() && column.defaultExpression() == null && !column.identity();
                if (!required || was.columnAt(column.position()).isPresent()) {
                    continue;
                }
                // added nullable, then made NOT NULL (add, backfill, SET NOT NULL): the SET NOT NULL breaks
                Optional<Statement> setNotNull = statementThat(run, s -> s.effects().becameNotNull().stream()
                        .anyMatch(c -> c.table().oid() == was.oid() && c.attnum() == column.position()));
                Optional<Statement> added = statementThat(run, s -> s.tag().equals("ALTER TABLE")
                        && addsColumn(s, column.name()) && (table.equals(s.target()) || Observations.names(s, table.name())));
                if (setNotNull.isEmpty() && added.isEmpty() && run.deploy().joint()) {
                    continue; // another revision of the deploy added it
                }
                Statement cited = setNotNull.or(() -> added).or(() -> Observations.about(run, table, column.name()))
                        .orElse(null);
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
        return findings;
    }

    private static boolean addsColumn(Statement statement, String column) {
        return Pattern.compile("\\bADD\\s+(?:COLUMN\\s+)?(?:IF\\s+NOT\\s+EXISTS\\s+)?\"?" + Pattern.quote(column)
                + "\"?(?![\\w$])", Pattern.CASE_INSENSITIVE).matcher(statement.sql()).find();
    }

    /** The same type by identity: a renamed type keeps its oid, and the column is unchanged. */
    private static boolean sameType(ColumnSchema was, ColumnSchema now) {
        return was.typeOid() != 0 && was.typeOid() == now.typeOid() && was.typmod() == now.typmod();
    }

    /** The first statement whose effects {@code did} says, when the gates told. */
    private static Optional<Statement> statementThat(RevisionRun run, Predicate<Statement> did) {
        return run.statements().stream().filter(did).findFirst();
    }

    private Finding typeChanged(RevisionRun run, TableRef table, String column, String from, String to, Statement changed) {
        return incompatible(Evidence.of(run, table, changed),
                "column " + table + "." + column + " changed type from " + from + " to " + to
                        + ": the running application reads and writes it as " + from,
                "expand and contract: op.add_column() a new column of the new type, write both from the "
                        + "application, backfill, switch reads, and drop the old column in a later deploy");
    }

    private Finding tableGone(RevisionRun run, TableRef table, Optional<TableRef> renamed, Statement gone) {
        String what = renamed.map(t -> "renamed to " + t).orElse("dropped");
        return incompatible(Evidence.of(run, table, gone),
                "table " + table + " was " + what + " while the running application still uses it: its queries fail "
                        + "from this revision until the new version is everywhere",
                renamed.isPresent()
                        ? "keep the old name working across the deploy: rename, then op.execute("
                                + Identifiers.python("CREATE VIEW " + Identifiers.sql(table) + " AS SELECT * FROM "
                                        + Identifiers.sql(renamed.get())) + ") until the old version is gone"
                        : "stop using the table in one deploy, and drop it with op.drop_table() in a later one");
    }

    private Finding columnGone(RevisionRun run, TableRef table, String column, Optional<String> renamed, Statement gone) {
        String what = renamed.map(c -> "renamed to " + c).orElse("dropped");
        return incompatible(Evidence.of(run, table, gone),
                "column " + table + "." + column + " was " + what + " while the running application still "
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
