package dev.lockwatch.rules;

import dev.lockwatch.model.Finding;
import dev.lockwatch.model.RevisionRun;
import dev.lockwatch.model.RevisionStatus;
import dev.lockwatch.model.Severity;
import dev.lockwatch.model.Statement;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * ALTER TYPE ... ADD VALUE that broke the deploy's transaction: the server refused a use of the new value before
 * it was committed (SQLSTATE 55P04, PostgreSQL 12+), or refused the ADD VALUE inside a transaction block at all
 * (SQLSTATE 25001, before 12). The server's error is the evidence; migration-failed reports the failure itself,
 * this rule says what to change.
 */
public final class EnumValueInTransactionRule implements Rule {
    /** The server's messages for the two refusals, as psycopg relays them. */
    private static final String UNSAFE_USE = "unsafe use of new value";
    private static final String IN_TRANSACTION_BLOCK = "alter type ... add cannot run inside a transaction block";

    @Override
    public String name() {
        return "enum-value-in-transaction";
    }

    @Override
    public Severity defaultSeverity() {
        return Severity.ERROR;
    }

    @Override
    public String summary() {
        return "ALTER TYPE ... ADD VALUE whose new value the same transaction uses (or, before PostgreSQL 12, any "
                + "ADD VALUE inside a transaction): the deploy fails";
    }

    @Override
    public String explanation() {
        return "A value added to an enum with ALTER TYPE ... ADD VALUE cannot be used until the transaction that "
                + "added it commits: a default, an UPDATE or an INSERT using it in the same transaction fails with "
                + "'unsafe use of new value'. With alembic's default one transaction for the whole upgrade, the "
                + "revision that adds the value and a later one that uses it fail together in production even when "
                + "each passes alone. Before PostgreSQL 12, ADD VALUE cannot run in a transaction block at all. Fix: "
                + "add the value outside the transaction: with op.get_context().autocommit_block(): "
                + "op.execute(\"ALTER TYPE status ADD VALUE IF NOT EXISTS 'archived'\") (IF NOT EXISTS lets a retry "
                + "through), and use the value in a later revision or after the block.";
    }

    @Override
    public List<Finding> check(RevisionRun run) {
        if (run.status() != RevisionStatus.FAILED || run.alembicError() == null) {
            return List.of();
        }
        String error = run.alembicError().toLowerCase(Locale.ROOT);
        boolean usedTooEarly = error.contains(UNSAFE_USE);
        boolean inTransactionBlock = error.contains(IN_TRANSACTION_BLOCK);
        if (!usedTooEarly && !inTransactionBlock) {
            return List.of();
        }
        Optional<Statement> added = run.statements().stream().filter(CommandLocks.tagged("ALTER TYPE")).findFirst();
        String message = usedTooEarly
                ? "the deploy's transaction used a value ALTER TYPE ... ADD VALUE added before the transaction "
                        + "committed, and the server refused it: " + run.alembicError()
                : "ALTER TYPE ... ADD VALUE ran inside the migration's transaction, which PostgreSQL "
                        + run.serverMajor() + " refuses (12+ allows it): " + run.alembicError();
        String hint = "add the value outside the transaction, so it commits at once: with "
                + "op.get_context().autocommit_block(): op.execute(\"ALTER TYPE ... ADD VALUE IF NOT EXISTS '...'\")"
                + (usedTooEarly ? "; use the value after the block or in a later revision" : "");
        return List.of(finding(added.map(Statement::sql), message, hint));
    }
}
