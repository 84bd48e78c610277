package dev.lockwatch.rules;

import dev.lockwatch.model.Finding;
import dev.lockwatch.model.LockMode;
import dev.lockwatch.model.RevisionRun;
import dev.lockwatch.model.Severity;
import dev.lockwatch.model.Statement;
import dev.lockwatch.model.TableRef;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A busy table rewritten under ACCESS EXCLUSIVE. Two signals, either suffices: the server's {@code table_rewrite}
 * event (ALTER COLUMN TYPE, ADD COLUMN with a volatile default, SET LOGGED/UNLOGGED), and new storage for the same
 * table between the snapshots before and after the revision ({@code relfilenode}), which also catches VACUUM FULL
 * and CLUSTER, commands no event trigger sees. TRUNCATE gives a table new storage too but empties it: not a rewrite.
 */
public final class TableRewriteRule implements Rule {
    private static final Set<String> REWRITING_COMMANDS = Set.of("VACUUM", "CLUSTER");
    private static final Pattern TYPE_CHANGE = Pattern.compile("\\bTYPE\\b", Pattern.CASE_INSENSITIVE);
    private static final Pattern ADD_COLUMN = Pattern.compile("\\bADD\\b", Pattern.CASE_INSENSITIVE);
    private static final Pattern PERSISTENCE = Pattern.compile("\\bSET\\s+(UN)?LOGGED\\b", Pattern.CASE_INSENSITIVE);

    @Override
    public String name() {
        return "table-rewrite";
    }

    @Override
    public Severity defaultSeverity() {
        return Severity.ERROR;
    }

    @Override
    public String summary() {
        return "a busy table rewritten under ACCESS EXCLUSIVE (a type change that is not binary-coercible, a volatile "
                + "default, SET LOGGED/UNLOGGED, VACUUM FULL, CLUSTER): reads and writes wait for the whole rewrite";
    }

    @Override
    public List<Finding> check(RevisionRun run) {
        List<Finding> findings = new ArrayList<>();
        for (Observations.Kept kept : Observations.keptBusyTables(run)) {
            TableRef table = kept.table();
            // each statement the server says rewrote the table copied it again, on its own line: one finding each
            List<Statement> announced = run.statements().stream()
                    .filter(s -> s.rewrite() && table.equals(s.target())).toList();
            boolean newStorage = kept.was().filenode() != kept.now().filenode() && kept.now().filenode() != 0
                    && !truncated(run, table);
            if (announced.isEmpty() && newStorage) {
                findings.add(finding(Evidence.of(run, table, rewritingCommand(run, table).orElse(null))
                        .orMode(LockMode.ACCESS_EXCLUSIVE), run.serverMajor()));
            }
            for (Statement statement : announced) {
                findings.add(finding(Evidence.of(run, table, statement).orMode(LockMode.ACCESS_EXCLUSIVE),
                        run.serverMajor()));
            }
        }
        return findings;
    }

    /** TRUNCATE and REFRESH MATERIALIZED VIEW give new storage too: their own rules tell those stories. */
    private static boolean truncated(RevisionRun run, TableRef table) {
        return run.statements().stream().anyMatch(s -> (s.tag().equals("TRUNCATE") || s.tag().startsWith("REFRESH"))
                && Observations.strongest(s, table).isPresent());
    }

    /** VACUUM FULL or CLUSTER when polling saw it, else whatever held ACCESS EXCLUSIVE on the table. */
    private static Optional<Statement> rewritingCommand(RevisionRun run, TableRef table) {
        return run.statements().stream().filter(s -> REWRITING_COMMANDS.contains(s.tag())
                        && Observations.strongest(s, table).isPresent()).findFirst()
                .or(() -> run.statements().stream()
                        .filter(s -> Observations.locks(s, table, LockMode.ACCESS_EXCLUSIVE)).findFirst());
    }

    private Finding finding(Evidence evidence, int major) {
        String what = evidence.statement() == null
                ? evidence.table() + " got new storage from a statement no trigger pauses (VACUUM FULL or CLUSTER): a rewrite"
                : ranCommand(evidence.statement()) + " rewrote " + evidence.table() + " and its indexes";
        return finding(evidence, what + " under " + evidence.lockWords() + ". A rewrite copies every row and every "
                + "index, so the wait grows with the table", hint(evidence.statement(), major));
    }

    /** What ran, in words: polling sees VACUUM FULL's and CLUSTER's text but no command tag beyond the first word. */
    private static String ranCommand(Statement statement) {
        return switch (statement.tag()) {
            case "VACUUM" -> "VACUUM FULL";
            case "CLUSTER" -> "CLUSTER (reordering the table by an index)";
            default -> statement.tag().isEmpty() ? "a statement" : statement.tag();
        };
    }

    private static String hint(Statement statement, int major) {
        String sql = statement == null ? "" : statement.sql();
        if (statement == null || REWRITING_COMMANDS.contains(statement.tag())) {
            return "do not run VACUUM FULL or CLUSTER in a migration: run them in a maintenance window, or use pg_repack, "
                    + "which holds the exclusive lock only briefly";
        }
        if (PERSISTENCE.matcher(sql).find()) {
            return "SET LOGGED / SET UNLOGGED rewrites the table: create a new table with the wanted persistence, copy "
                    + "in batches and swap names in a short transaction, or leave the persistence as it is";
        }
        if (TYPE_CHANGE.matcher(sql).find()) {
            return "change the type without a rewrite: op.add_column() a new column of the new type, backfill it in "
                    + "batches in later revisions, switch the application, then op.drop_column() the old one; only "
                    + "binary-coercible changes (varchar(n) to text or a longer varchar) are free";
        }
        if (ADD_COLUMN.matcher(sql).find()) {
            return major < 11
                    ? "on PostgreSQL " + major + " any default rewrites the table: op.add_column() the column nullable "
                            + "without a default, then op.alter_column(..., server_default=...) in a second statement "
                            + "(applies to new rows only), and backfill old rows in batches"
                    : "add the column without a volatile default (nullable, or a constant server_default): "
                            + "op.add_column('t', sa.Column('c', ..., nullable=True)), then fill it in batches in "
                            + "later revisions; for identity or serial columns, create and attach the sequence separately";
        }
        return "split the change so that no single statement rewrites the table under ACCESS EXCLUSIVE";
    }
}
