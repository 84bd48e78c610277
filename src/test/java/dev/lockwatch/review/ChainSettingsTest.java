package dev.lockwatch.review;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lockwatch.model.DowngradeCheck;
import dev.lockwatch.model.Finding;
import dev.lockwatch.model.LockMode;
import dev.lockwatch.model.ObservedLock;
import dev.lockwatch.model.Revision;
import dev.lockwatch.model.RevisionResult;
import dev.lockwatch.model.RevisionRun;
import dev.lockwatch.model.RevisionStatus;
import dev.lockwatch.model.RuleId;
import dev.lockwatch.model.SchemaSnapshot;
import dev.lockwatch.model.ServerInfo;
import dev.lockwatch.model.Severity;
import dev.lockwatch.model.Statement;
import dev.lockwatch.model.TableRef;
import dev.lockwatch.model.VerifyReport;
import dev.lockwatch.rules.MissingLockTimeoutRule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A chain with no lock_timeout anywhere: one chain finding, whatever the number of revisions and tables. */
class ChainSettingsTest {
    private static final TableRef ORDERS = new TableRef("public", "orders");
    private static final TableRef CUSTOMERS = new TableRef("public", "customers");

    @TempDir
    Path project;

    @Test
    void noLockTimeoutAnywhereIsOneChainFinding() throws Exception {
        Files.createDirectories(project.resolve("migrations/versions"));
        Files.writeString(project.resolve("migrations/env.py"), "# env\n");
        List<RevisionRun> runs = new ArrayList<>();
        for (int i = 1; i <= 30; i++) {
            runs.add(run("r" + i, 0L, i % 2 == 0 ? ORDERS : CUSTOMERS, ORDERS));
        }

        VerifyReport folded = ChainSettings.fold(judged(runs));

        List<Finding> chain = folded.chainFindings();
        assertEquals(1, chain.size(), chain.toString());
        Finding finding = chain.get(0);
        assertEquals(new RuleId("missing-lock-timeout"), finding.rule());
        assertEquals(Severity.WARNING, finding.severity());
        assertTrue(finding.message().contains("30 statement(s) in 30 revision(s)"), finding.message());
        assertTrue(finding.message().contains("2 busy table(s)"), finding.message());
        assertTrue(finding.hint().orElseThrow().contains("env.py") && finding.hint().orElseThrow().contains("SET lock_timeout"),
                finding.hint().orElseThrow());
        assertEquals(project.resolve("migrations/env.py").toAbsolutePath().normalize(),
                finding.location().orElseThrow().file());
        assertEquals(1, folded.count(Severity.WARNING), "counted once, for the chain");
        for (RevisionResult result : folded.revisions()) {
            assertFalse(result.findings().isEmpty(), "each instance stays as a fact");
            assertTrue(result.findings().stream().allMatch(Finding::folded), result.findings().toString());
            assertEquals(RevisionResult.Verdict.OK, result.verdict(), "the chain finding stands for it");
        }
    }

    @Test
    void aLockTimeoutSetSomewhereLeavesEachRevisionItsOwnFinding() {
        List<RevisionRun> runs = List.of(run("r1", 0L, ORDERS, ORDERS), run("r2", 3000L, ORDERS, ORDERS),
                run("r3", 0L, CUSTOMERS, CUSTOMERS));

        VerifyReport report = ChainSettings.fold(judged(runs));

        assertEquals(List.of(), report.chainFindings());
        assertEquals(2, report.count(Severity.WARNING));
        assertEquals(RevisionResult.Verdict.WARNINGS, report.revisions().get(0).verdict());
    }

    private VerifyReport judged(List<RevisionRun> runs) {
        MissingLockTimeoutRule rule = new MissingLockTimeoutRule();
        List<RevisionResult> results = runs.stream().map(r -> new RevisionResult(r, rule.check(r))).toList();
        return new VerifyReport(project, new ServerInfo("embedded", "16.15", 16, "", ServerInfo.DETERMINISTIC), "base",
                results, List.of());
    }

    private RevisionRun run(String id, long lockTimeoutMs, TableRef table, TableRef busy) {
        Revision revision = new Revision(id, List.of(), List.of(), List.of(), project.resolve("migrations/versions/" + id + ".py"), id);
        ObservedLock lock = new ObservedLock(table, LockMode.ACCESS_EXCLUSIVE, true, true, 5, false, null);
        Statement statement = new Statement("ALTER TABLE " + table.name() + " ADD COLUMN c int", "ALTER TABLE", 1,
                lockTimeoutMs, List.of(lock), table, false, 1);
        return new RevisionRun(revision, RevisionStatus.APPLIED, 10, List.of(statement), Set.of(ORDERS, CUSTOMERS), null, 16,
                SchemaSnapshot.EMPTY, SchemaSnapshot.EMPTY, DowngradeCheck.notChecked(), null, null);
    }
}
