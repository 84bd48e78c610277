package dev.lockwatch.rules;

import dev.lockwatch.model.ConstraintSchema;
import dev.lockwatch.model.Finding;
import dev.lockwatch.model.IndexSchema;
import dev.lockwatch.model.RevisionRun;
import dev.lockwatch.model.Severity;
import dev.lockwatch.model.TableRef;
import dev.lockwatch.model.TableSchema;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;

/**
 * A foreign key the revision added whose referencing columns lead no valid index of their table: every DELETE or
 * key UPDATE on the referenced table then scans the referencing table, under locks, row by row.
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
        for (TableSchema table : run.after().tables().values()) {
            Optional<TableSchema> was = run.before().table(table.table()).filter(t -> t.oid() == table.oid());
            for (ConstraintSchema constraint : table.constraints()) {
                boolean added = constraint.kind() == ConstraintSchema.Kind.FOREIGN_KEY
                        && was.flatMap(t -> t.constraint(constraint.name())).isEmpty();
                if (added && !indexed(table, constraint.columns())) {
                    findings.add(finding(run, table.table(), constraint));
                }
            }
        }
        return findings;
    }

    /** A valid index whose leading key columns are the foreign key's columns, in any order. */
    private static boolean indexed(TableSchema table, List<String> columns) {
        return table.indexes().stream().filter(IndexSchema::valid)
                .anyMatch(i -> i.columns().size() >= columns.size()
                        && new HashSet<>(i.columns().subList(0, columns.size())).equals(new HashSet<>(columns)));
    }

    private Finding finding(RevisionRun run, TableRef table, ConstraintSchema constraint) {
        String columns = String.join(", ", constraint.columns());
        String referenced = constraint.references() == null ? "the referenced table" : constraint.references().toString();
        Evidence evidence = Evidence.of(run, table, Observations.about(run, table, constraint.name()).orElse(null));
        String message = "foreign key " + constraint.name() + " (" + columns + ") of " + table + " references "
                + referenced + ", but no index of " + table + " starts with " + columns + ": every DELETE or key UPDATE "
                + "on " + referenced + " scans " + table + " (" + evidence.rowsWords() + " now) to check it"
                + evidence.lockSentence();
        String hint = "index the referencing columns: with op.get_context().autocommit_block(): op.create_index('ix_"
                + table.name() + "_" + String.join("_", constraint.columns()) + "', '" + table.name() + "', "
                + constraint.columns().stream().map(c -> "'" + c + "'").toList() + ", postgresql_concurrently=True) "
                + "(a plain op.create_index() is fine on a table created in the same revision)";
        return finding(evidence, message, hint);
    }
}
