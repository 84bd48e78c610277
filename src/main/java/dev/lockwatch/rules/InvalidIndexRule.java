package dev.lockwatch.rules;

import dev.lockwatch.model.Finding;
import dev.lockwatch.model.IndexSchema;
import dev.lockwatch.model.RevisionRun;
import dev.lockwatch.model.Severity;
import dev.lockwatch.model.TableSchema;
import java.util.ArrayList;
import java.util.List;

/**
 * An index left {@code indisvalid = false} by the revision, typically a CREATE INDEX CONCURRENTLY that failed
 * (a duplicate for a unique index, a deadlock, a cancel): PostgreSQL keeps maintaining it on every write but
 * never uses it, and the name is taken, so running the revision again fails.
 */
public final class InvalidIndexRule implements Rule {

    @Override
    public String name() {
        return "invalid-index";
    }

    @Override
    public Severity defaultSeverity() {
        return Severity.ERROR;
    }

    @Override
    public String summary() {
        return "an index left invalid (indisvalid = false) after the revision, e.g. by a failed concurrent build";
    }

    @Override
    public List<Finding> check(RevisionRun run) {
        List<Finding> findings = new ArrayList<>();
        for (TableSchema table : run.after().tables().values()) {
            for (IndexSchema index : table.indexes()) {
                boolean wasInvalid = run.before().table(table.table()).flatMap(t -> t.index(index.name()))
                        .map(i -> !i.valid()).orElse(false);
                if (!index.valid() && !wasInvalid) {
                    Evidence evidence = Evidence.of(run, table.table(),
                            Observations.about(run, table.table(), index.name()).orElse(null));
                    findings.add(finding(evidence, "index " + index.name() + " on " + table.table() + " is invalid after "
                            + "the revision (" + index.definition() + "): every write to " + table.table()
                            + " still maintains it, no query can use it, and the name is taken, so the revision fails "
                            + "when run again" + evidence.lockSentence(), "drop it and build it again once its cause is fixed (duplicates for a "
                            + "unique index): with op.get_context().autocommit_block(): op.execute('DROP INDEX CONCURRENTLY IF EXISTS "
                            + index.name() + "'); op.create_index(..., postgresql_concurrently=True)"));
                }
            }
        }
        return findings;
    }
}
