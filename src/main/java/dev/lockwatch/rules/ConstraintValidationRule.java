package dev.lockwatch.rules;

import dev.lockwatch.capture.Capture;
import dev.lockwatch.model.ColumnSchema;
import dev.lockwatch.model.ConstraintSchema;
import dev.lockwatch.model.Finding;
import dev.lockwatch.model.LockMode;
import dev.lockwatch.model.ObservedLock;
import dev.lockwatch.model.RevisionRun;
import dev.lockwatch.model.Severity;
import dev.lockwatch.model.Statement;
import dev.lockwatch.model.StatementEffects;
import dev.lockwatch.model.TableRef;
import dev.lockwatch.model.TableSchema;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

/**
 * A scan of a busy table's existing rows while its writes are blocked. The catalog says what was checked: a FOREIGN
 * KEY or CHECK constraint that is validated after the revision and was not before, or a column that became NOT
 * NULL. The locks say whether writes waited: the ALTER TABLE that did it ran in a transaction holding SHARE or
 * stronger on the table. VALIDATE CONSTRAINT on its own takes SHARE UPDATE EXCLUSIVE and is the fix; run in the
 * transaction that added the constraint, it inherits that statement's lock and is flagged. PostgreSQL 12+ skips
 * the SET NOT NULL scan when a validated {@code CHECK (col IS NOT NULL)} proves it.
 */
public final class ConstraintValidationRule implements Rule {
    private static final Pattern NOT_NULL_CHECK = Pattern.compile("^CHECK \\(\\((.+) IS NOT NULL\\)\\)$");

    @Override
    public String name() {
        return "constraint-validation";
    }

    @Override
    public Severity defaultSeverity() {
        return Severity.ERROR;
    }

    @Override
    public String summary() {
        return "a FOREIGN KEY or CHECK added without NOT VALID, or SET NOT NULL without a validated CHECK to prove it: "
                + "every existing row is scanned while writes are blocked";
    }

    @Override
    public List<Finding> check(RevisionRun run) {
        return Observations.effectsKnown(run) ? fromEffects(run) : fromCatalogs(run);
    }

    /**
     * What each statement did: a FOREIGN KEY or CHECK it validated, a column it made NOT NULL while scanning the
     * table (its seq_scan grew; when it also built an index that scans too, a validated CHECK proving the column is
     * what tells), a type change that rewrote nothing but scanned to re-validate the table's CHECKs. Only on busy
     * tables (tracked by oid through renames), and only while its transaction held writes off the table.
     */
    private List<Finding> fromEffects(RevisionRun run) {
        List<Finding> findings = new ArrayList<>();
        List<Statement> statements = run.statements();
        for (int i = 0; i < statements.size(); i++) {
            StatementEffects did = statements.get(i).effects();
            for (StatementEffects.ConstraintValidated constraint : did.constraintsValidated()) {
                if (Observations.busy(run, constraint.table())) {
                    int index = i;
                    Observations.writeBlocked(run, i, constraint.table()).ifPresent(e -> findings.add(
                            constraintFinding(run, e, constraint.kind(), constraint.name(), constraint.columns(),
                                    constraint.referenced().map(StatementEffects.TableId::name),
                                    constraint.referenced().flatMap(r -> Observations.before(run, r)), OptionalInt.of(index))));
                }
            }
            for (StatementEffects.Column column : did.becameNotNull()) {
                if (Observations.busy(run, column.table()) && !did.rewritten().contains(column.table())
                        && scanned(run, did, column)) {
                    Observations.writeBlocked(run, i, column.table())
                            .ifPresent(e -> findings.add(notNullFinding(run, e, column.name())));
                }
            }
            Set<StatementEffects.TableId> revalidated = new LinkedHashSet<>();
            for (StatementEffects.TypeChange change : did.typeChanged()) {
                StatementEffects.TableId table = change.column().table();
                boolean builtIndex = did.indexesBuilt().stream().anyMatch(b -> b.table().equals(table));
                if (Observations.busy(run, table) && !did.rewritten().contains(table) && !builtIndex
                        && did.scanned().contains(table) && hasValidatedCheck(run, table)) {
                    revalidated.add(table);
                }
            }
            for (StatementEffects.TableId table : revalidated) {
                Observations.writeBlocked(run, i, table).ifPresent(e -> findings.add(revalidatedFinding(e)));
            }
        }
        return findings;
    }

    /** The seq_scan of the table grew, and nothing else in the statement explains it; else no CHECK proved it. */
    private static boolean scanned(RevisionRun run, StatementEffects did, StatementEffects.Column column) {
        boolean builtIndex = did.indexesBuilt().stream().anyMatch(b -> b.table().equals(column.table()));
        if (!builtIndex) {
            return did.scanned().contains(column.table());
        }
        return Observations.before(run, column.table()).flatMap(t -> run.before().table(t))
                .map(was -> !proven(run.serverMajor(), was, was, column.name())).orElse(true);
    }

    private static boolean hasValidatedCheck(RevisionRun run, StatementEffects.TableId table) {
        return Observations.before(run, table).flatMap(t -> run.before().table(t)).stream()
                .flatMap(t -> t.constraints().stream())
                .anyMatch(c -> c.kind() == ConstraintSchema.Kind.CHECK && c.validated());
    }

    private Finding revalidatedFinding(Evidence evidence) {
        String message = evidence.command() + " changed a column's type on " + evidence.table() + " without rewriting it, "
                + "but re-validated its CHECK constraints, a scan of every existing row, while the transaction held "
                + evidence.lockWords() + ". Writes wait until the scan ends, which grows with the table";
        String hint = "drop the CHECK constraints on the column first, change the type, then add them back with "
                + "postgresql_not_valid=True and validate them in a later revision: "
                + validate(evidence.table(), "...");
        return finding(evidence, message, hint);
    }

    /** The catalogs before and after the revision, by name: when the gates reported no effects (polling alone). */
    private List<Finding> fromCatalogs(RevisionRun run) {
        List<Finding> findings = new ArrayList<>();
        for (Observations.Kept kept : Observations.keptBusyTables(run)) {
            TableRef table = kept.table();
            TableSchema was = kept.was();
            for (ConstraintSchema constraint : kept.now().constraints()) {
                boolean checks = constraint.kind() == ConstraintSchema.Kind.CHECK
                        || constraint.kind() == ConstraintSchema.Kind.FOREIGN_KEY;
                boolean newlyValidated = constraint.validated()
                        && !was.constraint(constraint.name()).map(ConstraintSchema::validated).orElse(false);
                if (checks && newlyValidated) {
                    LockMode known = constraint.kind() == ConstraintSchema.Kind.FOREIGN_KEY ? LockMode.SHARE_ROW_EXCLUSIVE
                            : LockMode.ACCESS_EXCLUSIVE;
                    boolean existedNotValid = was.constraint(constraint.name()).isPresent();
                    blockingScan(run, table, constraint.name(), known, existedNotValid).ifPresent(scan -> findings.add(
                            scan.judge(constraintFinding(run, scan.evidence(), constraint.kind(), constraint.name(),
                                    constraint.columns(), Optional.ofNullable(constraint.references()),
                                    Optional.ofNullable(constraint.references()), position(run, scan.evidence())))));
                }
            }
            for (ColumnSchema column : kept.now().columns()) {
                boolean becameNotNull = column.notNull() && was.column(column.name()).map(c -> !c.notNull()).orElse(false);
                if (becameNotNull && !proven(run.serverMajor(), was, kept.now(), column.name())) {
                    blockingScan(run, table, column.name(), LockMode.ACCESS_EXCLUSIVE, false)
                            .ifPresent(scan -> findings.add(scan.judge(notNullFinding(run, scan.evidence(), column.name()))));
                }
            }
        }
        return findings;
    }

    /**
     * A scan under a write-blocking lock as polling alone saw it. {@code observed} when polling saw the statement
     * and a write-blocking lock its transaction held then; otherwise it is inferred from the catalogs (polling can
     * miss a short statement, and one poll can pair a lock with the wrong statement), which is never an error.
     */
    private record Scan(Evidence evidence, boolean observed) {
        Finding judge(Finding finding) {
            return observed ? finding : finding.withSeverity(Severity.WARNING).withMessage(finding.message()
                    + ". Capture was best-effort (polling pg_locks alone, the role is not a superuser) and did not "
                    + "observe this lock on the statement that scanned: inferred from the catalogs, not seen");
        }
    }

    /**
     * The ALTER TABLE that validated: those naming {@code identifier}, else every ALTER TABLE on the table. Empty
     * when one of them ran without a write-blocking lock on the table (that is where the scan happened, harmlessly).
     * With {@code validatedLater} (the constraint existed NOT VALID), the scan is a VALIDATE CONSTRAINT, which takes
     * only SHARE UPDATE EXCLUSIVE itself: unseen, nothing says writes were blocked; a write-blocking lock polling
     * paired with that very statement was taken earlier in its transaction by a statement polling did not see, so
     * it is not observed evidence of the scan.
     */
    private static Optional<Scan> blockingScan(RevisionRun run, TableRef table, String identifier, LockMode known,
                                               boolean validatedLater) {
        List<Statement> statements = run.statements();
        List<Integer> candidates = alterTables(statements, i -> Observations.names(statements.get(i), identifier));
        if (candidates.isEmpty()) {
            candidates = alterTables(statements, i -> table.equals(statements.get(i).target())
                    || Observations.strongest(statements.get(i), table).isPresent());
        }
        if (candidates.isEmpty() && validatedLater) {
            return Optional.empty(); // an unseen VALIDATE CONSTRAINT: nothing says writes were blocked
        }
        Evidence evidence = Evidence.of(run, table, null).orMode(known);
        boolean observed = false;
        for (int i : candidates) {
            Optional<ObservedLock> held = Observations.writeBlockingHeldAt(statements, i, table);
            if (held.isEmpty()) {
                return Optional.empty();
            }
            if (evidence.statement() == null) {
                evidence = new Evidence(table, statements.get(i), held.get(), held.get().mode(), evidence.rows());
                observed = !validatedLater || i > 0 && heldEarlier(statements, i, table);
            }
        }
        return Optional.of(new Scan(evidence, observed));
    }

    /** Whether an earlier statement of the transaction of statement {@code index} held writes off the table. */
    private static boolean heldEarlier(List<Statement> statements, int index, TableRef table) {
        int transaction = statements.get(index).transaction();
        return statements.subList(0, index).stream().filter(s -> s.transaction() == transaction)
                .flatMap(s -> Observations.strongest(s, table).stream())
                .anyMatch(l -> l.mode().blocksWrites() && !l.inferred());
    }

    private static List<Integer> alterTables(List<Statement> statements, java.util.function.IntPredicate matches) {
        return IntStream.range(0, statements.size())
                .filter(i -> statements.get(i).tag().equals("ALTER TABLE") && matches.test(i)).boxed().toList();
    }

    /** PostgreSQL 12+ skips the scan when a validated {@code CHECK (col IS NOT NULL)} exists. */
    private static boolean proven(int major, TableSchema was, TableSchema now, String column) {
        if (major < 12) {
            return false;
        }
        return java.util.stream.Stream.concat(was.constraints().stream(), now.constraints().stream())
                .filter(c -> c.kind() == ConstraintSchema.Kind.CHECK && c.validated())
                .map(c -> NOT_NULL_CHECK.matcher(c.definition()))
                .anyMatch(m -> m.matches() && (m.group(1).equals(column)
                        || m.group(1).equals("\"" + column.replace("\"", "\"\"") + "\"")));
    }

    /**
     * @param referencedBefore the referenced table's name when the revision started, which its locks go by
     * @param index            the statement's position in the run, if one was found
     */
    private Finding constraintFinding(RevisionRun run, Evidence evidence, ConstraintSchema.Kind kind, String name,
                                      List<String> columns, Optional<TableRef> referenced,
                                      Optional<TableRef> referencedBefore, OptionalInt index) {
        TableRef table = evidence.table();
        String message = evidence.command() + " validated " + kind.label() + " " + name
                + " on " + table + ", a scan of every existing row, while the transaction held " + evidence.lockWords();
        String hint;
        if (kind == ConstraintSchema.Kind.FOREIGN_KEY) {
            Optional<ObservedLock> other = referencedBefore.isEmpty() || index.isEmpty() ? Optional.empty()
                    : Observations.writeBlockingHeldAt(run.statements(), index.getAsInt(), referencedBefore.get());
            message += other.map(l -> ". It also held " + l.mode().sqlName() + " on " + referenced.orElseThrow() + ", which "
                    + l.mode().impact()).orElse("") + ". Writes wait until the scan ends, which grows with the table";
            hint = "add it NOT VALID (no scan), then validate it in a later revision: op.create_foreign_key("
                    + Identifiers.python(name) + ", " + Identifiers.python(table.name()) + ", "
                    + referenced.map(r -> Identifiers.python(r.name())).orElse("'...'") + ", " + pythonList(columns)
                    + ", [...], postgresql_not_valid=True); next revision: " + validate(table, name);
        } else {
            message += ". Writes wait until the scan ends, which grows with the table";
            hint = "add it NOT VALID (no scan), then validate it in a later revision: op.create_check_constraint("
                    + Identifiers.python(name) + ", " + Identifiers.python(table.name())
                    + ", '...', postgresql_not_valid=True); next revision: " + validate(table, name);
        }
        return finding(evidence, message, hint);
    }

    /** The statement's position in the run, if it has one. */
    private static OptionalInt position(RevisionRun run, Evidence evidence) {
        int index = evidence.statement() == null ? -1 : run.statements().indexOf(evidence.statement());
        return index < 0 ? OptionalInt.empty() : OptionalInt.of(index);
    }

    private Finding notNullFinding(RevisionRun run, Evidence evidence, String column) {
        TableRef table = evidence.table();
        String message = evidence.command() + " set " + table + "." + column + " NOT NULL, a scan of every existing row, "
                + "while the transaction held " + evidence.lockWords() + ". "
                + (run.serverMajor() >= 12 ? "No validated CHECK (" + column + " IS NOT NULL) proved it beforehand"
                        : "PostgreSQL " + run.serverMajor() + " scans even when a CHECK proves it");
        String check = "ck_" + table.name() + "_" + column + "_not_null";
        String name = Identifiers.python(table.name());
        String hint = run.serverMajor() >= 12
                ? "prove it first: op.create_check_constraint(" + Identifiers.python(check) + ", " + name + ", "
                        + Identifiers.python(Identifiers.sql(column) + " IS NOT NULL")
                        + ", postgresql_not_valid=True); next revision: " + validate(table, check)
                        + "; then op.alter_column(" + name + ", " + Identifiers.python(column)
                        + ", nullable=False) (no scan) and op.drop_constraint(" + Identifiers.python(check) + ", " + name + ")"
                : "PostgreSQL " + run.serverMajor() + " cannot skip the scan: keep a CHECK (" + column + " IS NOT NULL) "
                        + "added with postgresql_not_valid=True and validated in a later revision instead of NOT NULL";
        return finding(evidence, message, hint);
    }

    private static String validate(TableRef table, String constraint) {
        return "op.execute(" + Identifiers.python("ALTER TABLE " + Identifiers.sql(table) + " VALIDATE CONSTRAINT "
                + (constraint.equals("...") ? constraint : Identifiers.sql(constraint))) + ") "
                + "(SHARE UPDATE EXCLUSIVE: reads and writes continue)";
    }

    private static String pythonList(List<String> names) {
        return "[" + String.join(", ", names.stream().map(Identifiers::python).toList()) + "]";
    }
}
