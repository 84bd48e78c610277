package dev.lockwatch.run;

import dev.lockwatch.alembic.AlembicIni;
import dev.lockwatch.alembic.AlembicResult;
import dev.lockwatch.alembic.AlembicRunner;
import dev.lockwatch.config.VerifyConfig;
import dev.lockwatch.model.DatabaseTarget;
import dev.lockwatch.model.Finding;
import dev.lockwatch.model.RetryTrial;
import dev.lockwatch.model.RevisionRun;
import dev.lockwatch.model.RevisionStatus;
import dev.lockwatch.model.SchemaDiff;
import dev.lockwatch.model.SchemaSnapshot;
import dev.lockwatch.model.Statement;
import dev.lockwatch.postgres.ScratchDatabase;
import dev.lockwatch.rules.RetryUnsafeRule;
import dev.lockwatch.rules.RuleSet;
import dev.lockwatch.watch.SchemaReader;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.IntStream;

/**
 * Whether a revision that commits in steps survives a deploy's retry (see {@link RetryUnsafeRule}). Nothing runs
 * for a fully transactional revision: a failure rolls it back whole. For the others, each trial copies a shadow
 * database held at the state the revision started from, makes one statement fail at its end as a lock timeout
 * would (an event trigger raising {@code lock_not_available}; a concurrent index build then keeps its INVALID
 * index, as when a late phase times out), runs the revision again and compares the schema with the clean run.
 *
 * <p>The shadow database is built by alembic itself, replaying the project's revisions from its base once and
 * moving forward with the chain; alembic runs as a subprocess there so that no session lingers on it and it can
 * serve as a template. The chain's own database is never touched.
 */
public final class RetryCheck implements AutoCloseable {
    /** Characters of a statement the fault trigger matches in {@code current_query()}: it may be truncated. */
    private static final int MATCHED_PREFIX = 200;

    /** Every database the check creates is created through it: a signal mid-creation still drops it. */
    private final Cleanup cleanup;
    private final VerifyConfig config;
    private final RuleSet rules;
    private final Optional<RetryUnsafeRule> rule;
    private final AlembicIni ini;
    private final Workspace workspace;
    private final DatabaseTarget admin;
    private final int major;
    private final Consumer<String> progress;
    private AlembicRunner alembic;
    private ScratchDatabase shadow;
    private String unavailable;

    /**
     * @param gated the role is a superuser: the failure is injected by an event trigger
     */
    RetryCheck(VerifyConfig config, RuleSet rules, AlembicIni ini, Workspace workspace, Cleanup cleanup,
               DatabaseTarget admin, int major, boolean gated, Consumer<String> progress) {
        this.cleanup = cleanup;
        this.config = config;
        this.rules = rules;
        this.rule = rules.enabled(RetryUnsafeRule.class);
        this.ini = ini;
        this.workspace = workspace;
        this.admin = admin;
        this.major = major;
        this.progress = progress;
        this.unavailable = gated ? null : "the role is not a superuser, and the failure is injected by an event trigger";
    }

    /** {@code findings} and what the retry check proves about {@code run}, at retry-unsafe's configured level. */
    List<Finding> withFindings(RevisionRun run, List<Finding> findings) {
        if (rule.isEmpty() || run.status() != RevisionStatus.APPLIED || !committedParts(run)) {
            return findings;
        }
        List<Integer> candidates = candidates(run);
        if (candidates.isEmpty()) {
            return findings;
        }
        if (unavailable != null) {
            progress.accept("retry check: skipped for " + run.revision().id() + ": " + unavailable);
            return findings;
        }
        long started = System.nanoTime();
        List<Finding> all = new ArrayList<>(findings);
        try {
            if (!shadowAt(run)) {
                return findings;
            }
            Optional<SchemaSnapshot> clean = cleanRun(run);
            if (clean.isEmpty()) {
                return findings;
            }
            int trials = 0;
            for (int index : candidates) {
                trials++;
                Optional<RetryTrial> trial = trial(run, index, clean.get());
                if (trial.isPresent() && trial.get().unsafe()) {
                    all.addAll(rules.configured(rule.get(), rule.get().judge(run, trial.get())));
                    break;
                }
            }
            progress.accept("retry check: " + run.revision().id() + ", " + trials + " trial(s) in "
                    + (System.nanoTime() - started) / 1_000_000 + " ms");
        } catch (SQLException | RuntimeException e) {
            if (Thread.currentThread().isInterrupted()) { // Ctrl-C: the run ends, not just the check
                throw e instanceof RuntimeException runtime ? runtime : new IllegalStateException(e);
            }
            unavailable = "it could not copy or read its database (" + e.getMessage() + ")";
            progress.accept("retry check: stopped at " + run.revision().id() + ": " + unavailable);
        }
        return all;
    }

    /** Work outside one transaction: several transactions, or a command that commits in steps of its own. */
    static boolean committedParts(RevisionRun run) {
        return run.statements().stream().mapToInt(Statement::transaction).distinct().count() > 1
                || run.statements().stream().anyMatch(RetryUnsafeRule::concurrentIndexCommand);
    }

    /**
     * The statements to make fail, by index: each concurrent index command (its own failure leaves a remnant) and
     * the last statement that could wait for a lock (the most committed before it). Only DDL an event trigger
     * sees, on a table that existed before the revision.
     */
    static List<Integer> candidates(RevisionRun run) {
        List<Statement> statements = run.statements();
        List<Integer> points = IntStream.range(0, statements.size()).filter(i -> faultPoint(run, statements.get(i)))
                .boxed().toList();
        Set<Integer> chosen = new LinkedHashSet<>();
        points.stream().filter(i -> RetryUnsafeRule.concurrentIndexCommand(statements.get(i))).forEach(chosen::add);
        if (!points.isEmpty()) {
            chosen.add(points.get(points.size() - 1));
        }
        return chosen.stream().sorted().toList();
    }

    private static boolean faultPoint(RevisionRun run, Statement statement) {
        return ddl(statement) && !statement.sql().startsWith("(")
                && statement.locks().stream().anyMatch(l -> run.before().table(l.table()).isPresent());
    }

    /** A command ddl_command_end fires for, where the fault trigger can make it fail. */
    private static boolean ddl(Statement statement) {
        String tag = statement.tag();
        return tag.startsWith("CREATE") || tag.startsWith("ALTER") || tag.startsWith("DROP") || tag.startsWith("REFRESH");
    }

    /**
     * Brings the shadow database to the revision's parents (and what it depends on), as alembic would upgrade to it
     * alone: in a joint deploy the revision's own starting point is not a schema lockwatch read.
     */
    private boolean shadowAt(RevisionRun run) throws SQLException {
        if (shadow == null) {
            shadow = cleanup.create(() -> ScratchDatabase.create(admin));
            alembic = new AlembicRunner(config.alembicCommand(), ini, workspace.folder("alembic-retry"),
                    config.urlVariable(), !config.processPerRevision());
        }
        alembic.useDatabase(shadow.target(), shadow.guardToken());
        List<String> below = new ArrayList<>(run.revision().downRevisions());
        below.addAll(run.revision().dependsOn());
        for (String version : below) {
            AlembicResult result = alembic.upgradeUnjudged(version, config.revisionTimeout());
            if (!result.succeeded()) {
                return skip(run, "alembic upgrade " + version + " does not run from the project's base: "
                        + result.lastErrorLine());
            }
        }
        return true;
    }

    /** The schema the revision leaves when nothing fails, on a copy of the shadow: what a retry must reach. */
    private Optional<SchemaSnapshot> cleanRun(RevisionRun run) throws SQLException {
        try (ScratchDatabase copy = cleanup.create(() -> ScratchDatabase.create(admin, shadow.target().database()))) {
            alembic.useDatabase(copy.target(), copy.guardToken());
            AlembicResult result = alembic.upgradeUnjudged(run.revision().id(), config.revisionTimeout());
            if (!result.succeeded()) {
                skip(run, "alembic upgrade " + run.revision().id() + " does not run on its own from its parents: "
                        + result.lastErrorLine());
                return Optional.empty();
            }
            return Optional.of(shape(copy.target()));
        } finally {
            if (shadow != null) {
                alembic.useDatabase(shadow.target(), shadow.guardToken());
            }
        }
    }

    private boolean skip(RevisionRun run, String why) {
        progress.accept("retry check: skipped from " + run.revision().id() + " on: " + why);
        unavailable = why;
        closeShadow(); // its state is unknown now: the next revision builds a new one
        return false;
    }

    /** One trial on a copy of the shadow; empty when the statement did not fail where it was told to. */
    private Optional<RetryTrial> trial(RevisionRun run, int index, SchemaSnapshot clean) throws SQLException {
        long started = System.nanoTime();
        Statement failing = run.statements().get(index);
        String id = run.revision().id();
        try (ScratchDatabase copy = cleanup.create(() -> ScratchDatabase.create(admin, shadow.target().database()))) {
            alembic.useDatabase(copy.target(), copy.guardToken());
            try (Connection connection = ScratchDatabase.connect(copy.target());
                 java.sql.Statement sql = connection.createStatement()) {
                sql.execute(faultTrigger(failing.sql(), occurrence(run, index)));
            }
            AlembicResult first = alembic.upgradeUnjudged(id, config.revisionTimeout());
            try (Connection connection = ScratchDatabase.connect(copy.target());
                 java.sql.Statement sql = connection.createStatement()) {
                sql.execute("drop event trigger lockwatch_retry_fault");
            }
            if (first.succeeded()) {
                return Optional.empty();
            }
            AlembicResult retry = alembic.upgradeUnjudged(id, config.revisionTimeout());
            List<String> differences = retry.succeeded() ? SchemaDiff.between(clean, shape(copy.target()))
                    : List.of();
            return Optional.of(new RetryTrial(failing, first.errorSummary(), retry.succeeded() ? null
                    : retry.errorSummary(), differences, (System.nanoTime() - started) / 1_000_000));
        } finally {
            alembic.useDatabase(shadow.target(), shadow.guardToken());
        }
    }

    /** How many statements up to {@code index}, itself included, the fault trigger's match would count. */
    private static int occurrence(RevisionRun run, int index) {
        String prefix = prefix(run.statements().get(index).sql());
        return (int) run.statements().subList(0, index + 1).stream()
                .filter(s -> ddl(s) && s.sql().contains(prefix)).count();
    }

    private static String prefix(String sql) {
        return sql.length() <= MATCHED_PREFIX ? sql : sql.substring(0, MATCHED_PREFIX);
    }

    /**
     * An event trigger that makes the {@code occurrence}th DDL statement whose text contains the failing one's
     * fail at its end, with the error a lock timeout gives; in lockwatch's schema, which schema reads leave out.
     */
    static String faultTrigger(String failingSql, int occurrence) {
        String literal = "'" + prefix(failingSql).replace("'", "''") + "'";
        return """
                create schema if not exists lockwatch;
                create or replace function lockwatch.retry_fault() returns event_trigger language plpgsql as $fn$
                declare
                  seen int := coalesce(nullif(current_setting('lockwatch.retry_seen', true), ''), '0')::int;
                begin
                  if position(%s in current_query()) > 0 then
                    seen := seen + 1;
                    perform set_config('lockwatch.retry_seen', seen::text, false);
                    if seen = %d then
                      raise exception 'canceling statement due to lock timeout'
                        using errcode = 'lock_not_available',
                              hint = 'lockwatch''s retry check made this statement fail, as a lock timeout would';
                    end if;
                  end if;
                end
                $fn$;
                create event trigger lockwatch_retry_fault on ddl_command_end execute procedure lockwatch.retry_fault();
                """.formatted(literal, occurrence);
    }

    private SchemaSnapshot shape(DatabaseTarget database) throws SQLException {
        try (Connection connection = ScratchDatabase.connect(database)) {
            return new SchemaReader(connection, config.versionTable(), major).readShape();
        }
    }

    private void closeShadow() {
        ScratchDatabase previous = shadow;
        shadow = null;
        if (previous != null) {
            previous.close();
        }
    }

    @Override
    public void close() {
        try {
            if (alembic != null) {
                alembic.close();
            }
        } finally {
            closeShadow();
        }
    }
}
