package dev.lockwatch.run;

import dev.lockwatch.alembic.AlembicIni;
import dev.lockwatch.alembic.AlembicResult;
import dev.lockwatch.alembic.AlembicRunner;
import dev.lockwatch.alembic.RevisionGraph;
import dev.lockwatch.alembic.RevisionScanner;
import dev.lockwatch.config.VerifyConfig;
import dev.lockwatch.model.DatabaseTarget;
import dev.lockwatch.model.LockwatchException;
import dev.lockwatch.model.Revision;
import dev.lockwatch.model.RevisionResult;
import dev.lockwatch.model.RevisionRun;
import dev.lockwatch.model.RevisionStatus;
import dev.lockwatch.model.ServerInfo;
import dev.lockwatch.model.Statement;
import dev.lockwatch.model.TableRef;
import dev.lockwatch.model.VerifyReport;
import dev.lockwatch.postgres.PostgresServer;
import dev.lockwatch.postgres.ScratchDatabase;
import dev.lockwatch.rules.RuleSet;
import dev.lockwatch.watch.BackendSample;
import dev.lockwatch.watch.Capture;
import dev.lockwatch.watch.Catalog;
import dev.lockwatch.watch.DatabaseActivity;
import dev.lockwatch.watch.LockWatcher;
import dev.lockwatch.watch.StatementAssembler;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * One {@code lockwatch verify}: server, scratch database, baseline, then each revision under the watcher,
 * then the rules. Everything it starts is registered with the {@link Cleanup} it is given.
 */
public final class VerifyRun {
    private static final Duration PROBE_TIMEOUT = Duration.ofMinutes(2);

    private final VerifyConfig config;
    private final RuleSet rules;
    private final Cleanup cleanup;
    private final Consumer<String> progress;

    public VerifyRun(VerifyConfig config, RuleSet rules, Cleanup cleanup, Consumer<String> progress) {
        this.config = config;
        this.rules = rules;
        this.cleanup = cleanup;
        this.progress = progress;
    }

    public VerifyReport execute() {
        AlembicIni ini = AlembicIni.read(config.configFile(), config.iniSection());
        RevisionGraph graph = new RevisionGraph(RevisionScanner.scan(ini));
        if (graph.size() == 0) {
            throw LockwatchException.usage("no revision files under " + ini.versionLocations().get(0)
                    + ": nothing to verify");
        }
        String from = graph.resolve(config.from(), "--from");
        String to = graph.resolve(config.to(), "--to");
        if (from != null && !graph.ancestorsInclusive(to).contains(from)) {
            throw LockwatchException.usage("--from " + from + " is not an ancestor of --to " + to
                    + ": the baseline must lie below the revisions to verify");
        }
        List<Revision> chain = graph.between(from, to);
        requireExecutable(config.alembicCommand());

        Workspace workspace = cleanup.register(Workspace.create());
        PostgresServer server = cleanup.register(ServerStarter.start(config, workspace, progress));
        ScratchDatabase scratch = cleanup.register(ScratchDatabase.create(server.admin()));
        DatabaseTarget target = scratch.target();
        boolean gated = scratch.superuser();
        ServerInfo info = new ServerInfo(server.provider(), scratch.serverVersion(), scratch.majorVersion(),
                server.detail(), gated ? "deterministic" : "best-effort");
        progress.accept("postgres: " + server.provider() + " PostgreSQL " + scratch.serverVersion()
                + ", scratch database " + target.database());

        AlembicRunner alembic = cleanup.register(new AlembicRunner(config.alembicCommand(), ini,
                workspace.folder("alembic"), config.urlVariable(), target));
        requireConnectsToScratch(alembic, scratch);
        String baseline = from == null ? RevisionGraph.BASE : from;
        if (from != null) {
            progress.accept("baseline: alembic upgrade " + from);
            AlembicResult result = alembic.upgrade(from, config.revisionTimeout());
            if (!result.succeeded()) {
                throw LockwatchException.usage("the baseline (alembic upgrade " + from + ") failed: "
                        + lastLine(result.errorSummary()));
            }
        }
        try (Connection connection = ScratchDatabase.connect(target)) {
            Set<TableRef> busy = busyTables(Catalog.read(connection));
            if (gated) {
                Capture.install(connection, config.versionTable());
            }
            LockWatcher watcher = cleanup.register(LockWatcher.open(target, gated, config.pollIntervalMicros()));
            List<RevisionResult> results = runChain(chain, alembic, watcher, connection, busy, gated);
            return new VerifyReport(ini.folder(), info, baseline, results, List.of());
        } catch (SQLException e) {
            throw LockwatchException.environment("lost the connection to the scratch database: " + e.getMessage(), e);
        }
    }

    private List<RevisionResult> runChain(List<Revision> chain, AlembicRunner alembic, LockWatcher watcher,
                                          Connection connection, Set<TableRef> busy, boolean gated) throws SQLException {
        List<RevisionResult> results = new ArrayList<>();
        boolean failed = false;
        int index = 0;
        for (Revision revision : chain) {
            index++;
            if (failed) {
                results.add(new RevisionResult(RevisionRun.notRun(revision), List.of()));
                continue;
            }
            if (gated) {
                Capture.gateTables(connection);
            }
            Catalog before = Catalog.read(connection);
            Set<TableRef> busyNow = new HashSet<>(busy);
            busyNow.retainAll(before.rows().keySet());
            watcher.start();
            AlembicResult result;
            List<BackendSample> samples;
            try {
                result = alembic.upgrade(revision.id(), config.revisionTimeout());
            } finally {
                samples = watcher.stop();
            }
            List<Statement> statements = StatementAssembler.assemble(samples, before, busyNow, config.versionTable());
            RevisionStatus status = result.succeeded() ? RevisionStatus.APPLIED : RevisionStatus.FAILED;
            String error = result.succeeded() ? null : result.timedOut()
                    ? "did not finish within --revision-timeout " + config.revisionTimeout().toSeconds() + " s"
                    : result.errorSummary();
            RevisionRun run = new RevisionRun(revision, status, result.durationMs(), statements, busyNow, error);
            RevisionResult checked = new RevisionResult(run, rules.check(run));
            results.add(checked);
            progress.accept(progressLine(index, chain.size(), checked));
            failed = status == RevisionStatus.FAILED;
        }
        return results;
    }

    private Set<TableRef> busyTables(Catalog baseline) {
        if (config.busyTables().isEmpty()) {
            return baseline.rows().keySet();
        }
        for (TableRef table : config.busyTables()) {
            if (!baseline.contains(table)) {
                progress.accept("note: --busy-table " + table + " does not exist once the baseline is applied");
            }
        }
        return Set.copyOf(config.busyTables());
    }

    /**
     * Proves, with a read-only {@code alembic current}, that env.py connects to the scratch database before
     * any migration runs: an env.py that ignores both the ini's URL and the URL variable could otherwise
     * migrate some other database.
     */
    private void requireConnectsToScratch(AlembicRunner alembic, ScratchDatabase scratch) {
        long before = DatabaseActivity.transactions(scratch.admin(), scratch.target().database());
        AlembicResult probe = alembic.current(PROBE_TIMEOUT, "lockwatch-probe");
        if (!probe.succeeded()) {
            throw LockwatchException.usage("alembic cannot run this project (alembic current failed): "
                    + lastLine(probe.errorSummary()));
        }
        if (!DatabaseActivity.grewWithin(scratch.admin(), scratch.target().database(), before, Duration.ofSeconds(5))) {
            throw LockwatchException.usage("env.py did not connect to lockwatch's database: make it use sqlalchemy.url"
                    + " from the ini or read $" + config.urlVariable() + " (see --url-env); lockwatch will not run"
                    + " migrations that could reach another database");
        }
    }

    private static void requireExecutable(List<String> command) {
        String program = command.get(0);
        boolean found = program.contains("/") ? new java.io.File(program).canExecute()
                : java.util.Arrays.stream(System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator))
                        .anyMatch(dir -> new java.io.File(dir, program).canExecute());
        if (!found) {
            throw LockwatchException.environment("'" + program + "' not found on PATH: install alembic "
                    + "(apt-get install alembic python3-psycopg2) or pass --alembic \"poetry run alembic\"");
        }
    }

    private static String progressLine(int index, int total, RevisionResult result) {
        RevisionRun run = result.run();
        long errors = result.findings().stream().filter(f -> f.severity() == dev.lockwatch.model.Severity.ERROR).count();
        long warnings = result.findings().stream().filter(f -> f.severity() == dev.lockwatch.model.Severity.WARNING).count();
        return String.format("[%d/%d] %s %s: %s in %d ms, %d statement(s), %d error(s), %d warning(s)", index, total,
                run.revision().id(), run.revision().message(), run.status().label(), run.durationMs(),
                run.statements().size(), errors, warnings);
    }

    private static String lastLine(String text) {
        String[] lines = text.strip().split("\n");
        return lines[lines.length - 1].strip();
    }
}
