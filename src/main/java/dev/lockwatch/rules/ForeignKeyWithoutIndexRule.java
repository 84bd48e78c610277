package dev.lockwatch.rules;

import dev.lockwatch.model.ConstraintSchema;
import dev.lockwatch.model.Finding;
import dev.lockwatch.model.IndexSchema;
import dev.lockwatch.model.RevisionRun;
import dev.lockwatch.model.Severity;
import dev.lockwatch.model.Statement;
import dev.lockwatch.model.StatementEffects;
import dev.lockwatch.model.TableRef;
import dev.lockwatch.model.TableSchema;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A foreign key the revision added whose referencing columns lead no valid index of their table once the deploy
 * ended: every DELETE or key UPDATE on the referenced table then scans the referencing table, under locks, row by
 * row. The key is the one a statement's effects say it created (by oid, cited at that statement); a key created
 * with its table or NOT VALID, or seen by polling alone, is found by comparing the catalogs.
 */
public final class ForeignKeyWithoutIndexRule implements Rule {

    @Override
    public String name() {
        return "foreign-key-without-index";
    }

    @Override
    public Severity defaultSeverity() {
        return Severity.WARNING;
    }

    @Override
    public String summary() {
        return "a new foreign key whose referencing columns have no index: deletes and key updates on the referenced "
                + "table scan the referencing one";
    }

    @Override
    public List<Finding> check(RevisionRun run) {
        List<Finding> findings = new ArrayList<>();
        Set<Long> judged = new HashSet<>();
        for (Statement statement : run.statements()) {
            for (StatementEffects.ConstraintValidated added : statement.effects().constraintsValidated()) {
                if (added.kind() == ConstraintSchema.Kind.FOREIGN_KEY && added.created()) {
                    judged.add(added.oid());
                    fromEffects(run, statement, added).ifPresent(findings::add);
                }
            }
        }
        for (TableSchema table : run.after().tables().values()) {
            Optional<TableSchema> was = run.before().table(table.table()).filter(t -> t.oid() == table.oid());
            for (ConstraintSchema constraint : table.constraints()) {
                boolean added = constraint.kind() == ConstraintSchema.Kind.FOREIGN_KEY
                        && (constraint.oid() == 0 || !judged.contains(constraint.oid()))
                        && was.flatMap(t -> t.constraint(constraint.name())).isEmpty();
                if (added && !indexed(atEnd(run, table), constraint.columns())) {
                    findings.add(finding(run, table.table(), constraint.name(), constraint.columns(),
                            Optional.ofNullable(constraint.references()),
                            Observations.about(run, table.table(), constraint.name()).orElse(null)));
                }
            }
        }
        return findings;
    }

    /**
     * A foreign key the statement created validated, judged on the table as the deploy left it (an index a later
     * statement or revision of the deploy builds counts; a key dropped again later is no finding). One that replaces a
     * key of the same columns and referenced table the table had before the deploy (a drop and re-add, to change
     * ON DELETE) is not new.
     */
    private Optional<Finding> fromEffects(RevisionRun run, Statement statement, StatementEffects.ConstraintValidated added) {
        Optional<TableSchema> end = run.deployAfter().tableWithOid(added.table().oid());
        Optional<ConstraintSchema> kept = end.flatMap(t -> t.constraints().stream().filter(c -> c.oid() == added.oid())
                .findFirst());
        if (kept.isEmpty() || indexed(end.get(), kept.get().columns()) || replaces(run, added)) {
            return Optional.empty();
        }
        TableRef table = Observations.before(run, added.table()).orElse(added.table().name());
        return Optional.of(finding(run, table, added.name(), added.columns(),
                added.referenced().map(StatementEffects.TableId::name), statement));
    }

    private static boolean replaces(RevisionRun run, StatementEffects.ConstraintValidated added) {
        Optional<Long> referenced = added.referenced().map(StatementEffects.TableId::oid);
        return run.before().tableWithOid(added.table().oid()).stream().flatMap(t -> t.constraints().stream())
                .filter(c -> c.kind() == ConstraintSchema.Kind.FOREIGN_KEY)
                .anyMatch(c -> new HashSet<>(c.columns()).equals(new HashSet<>(added.columns()))
                        && Optional.ofNullable(c.references()).flatMap(r -> run.before().table(r))
                                .map(TableSchema::oid).equals(referenced));
    }

    /** The table as the deploy left it, by oid (the revision's own view of it when the deploy dropped it). */
    private static TableSchema atEnd(RevisionRun run, TableSchema table) {
        return run.deployAfter().tableWithOid(table.oid()).orElse(table);
    }

    /** A valid index whose leading key columns are the foreign key's columns, in any order. */
    private static boolean indexed(TableSchema table, List<String> columns) {
        return table.indexes().stream().filter(IndexSchema::valid)
                .anyMatch(i -> i.columns().size() >= columns.size()
                        && new HashSet<>(i.columns().subList(0, columns.size())).equals(new HashSet<>(columns)));
    }

    private Finding finding(RevisionRun run, TableRef table, String name, List<String> columnNames,
                            Optional<TableRef> references, Statement statement) {
        String columns = String.join(", ", columnNames);
        String referenced = references.map(TableRef::toString).orElse("the referenced table");
        Evidence evidence = Evidence.of(run, table, statement);
        String message = "foreign key " + name + " (" + columns + ") of " + table + " references "
                + referenced + ", but no index of " + table + " starts with " + columns + ": every DELETE or key UPDATE "
                + "on " + referenced + " scans " + table + " (" + evidence.rowsWords() + " now) to check it"
                + evidence.lockSentence();
        String hint = "index the referencing columns: with op.get_context().autocommit_block(): op.create_index('ix_"
                + table.name() + "_" + String.join("_", columnNames) + "', '" + table.name() + "', "
                + columnNames.stream().map(c -> "'" + c + "'").toList() + ", postgresql_concurrently=True) "
                + "(a plain op.create_index() is fine on a table created in the same revision)";
        return finding(evidence, message, hint);
    }
}
