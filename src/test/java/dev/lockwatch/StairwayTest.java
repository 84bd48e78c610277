package dev.lockwatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lockwatch.support.AlembicProject;
import dev.lockwatch.support.Lockwatch;
import dev.lockwatch.support.Lockwatch.Result;
import dev.lockwatch.support.SharedPostgres;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The round trip with each revision its own deploy: the stairway climbs on a database of its own, alongside the
 * judged chain, and grades each downgrade as the round trip always has; the progress lines stay in order.
 */
class StairwayTest {
    private static final String TABLE = "op.create_table('t_%1$s', sa.Column('id', sa.Integer, primary_key=True))";
    private static final String DROP_TABLE = "op.drop_table('t_%1$s')";
    /** A statement run in the schema env.py's app.schema setting names. */
    private static final String IN_APP_SCHEMA = "op.execute(\"do $$ begin execute format('%s', current_setting('app.schema'));"
            + " end $$\")";

    @TempDir
    Path dir;

    private AlembicProject chain() {
        return DowngradeTest.oneWayPassAndBroken(dir);
    }

    private static JsonNode downgrade(Result result, String revision) {
        return result.revision(revision).get("downgrade");
    }

    private static void assertGraded(Result result) {
        for (String id : List.of("r2", "r3", "r4", "r5", "r6", "r7")) {
            assertEquals("applied", result.revision(id).get("status").asText(), id + ": " + result.describe());
        }
        assertEquals("one-way", downgrade(result, "r2").get("outcome").asText(), result.describe());
        assertEquals(List.of("downgrade-one-way"), result.rules("r2").stream().filter(r -> r.startsWith("downgrade")).toList());
        assertTrue(result.finding("r2", "downgrade-one-way").get("message").asText().contains("r2 is one-way"));
        assertEquals("failed", downgrade(result, "r3").get("outcome").asText());
        assertEquals("upgrading again after the downgrade", downgrade(result, "r3").get("failed_step").asText());
        assertEquals("stamp", downgrade(result, "r3").get("restored").asText());
        assertEquals("failed", downgrade(result, "r4").get("outcome").asText());
        assertEquals("alembic downgrade", downgrade(result, "r4").get("failed_step").asText(), "an accident, not a raise");
        assertEquals(1, result.findings("r4", "downgrade-failed").size());
        assertEquals("one-way", downgrade(result, "r5").get("outcome").asText());
        assertEquals("replay", downgrade(result, "r6").get("restored").asText());
        assertEquals("passed", downgrade(result, "r7").get("outcome").asText());
    }

    /** The progress lines' revisions, in the order they were printed, each with its round trip's outcome. */
    private static List<String> reported(Result result) {
        List<String> ids = new ArrayList<>();
        java.util.regex.Pattern progress = java.util.regex.Pattern.compile("\\[\\d+/\\d+\\] (\\S+) ");
        for (String line : result.err().split("\n")) {
            java.util.regex.Matcher m = progress.matcher(line);
            if (m.find()) {
                assertTrue(line.contains(", downgrade round trip "), line);
                ids.add(m.group(1));
            }
        }
        return ids;
    }

    @Test
    void eachRevisionItsOwnDeployGetsTheSameGradesAsTheJointDeploy() throws Exception {
        Result step = Lockwatch.verify(chain(), "--from", "r1", "--step");

        assertGraded(step);
        assertEquals(List.of("r2", "r3", "r4", "r5", "r6", "r7"), reported(step));
        assertEquals(List.of(), SharedPostgres.scratchDatabases(), "the stairway's database is dropped too");

        Result joint = Lockwatch.verify(chain(), "--from", "r1");
        assertGraded(joint);
        for (String id : List.of("r2", "r3", "r4", "r5", "r6", "r7")) {
            // the same but for the addresses of Python objects in an error's text
            assertEquals(joint.revision(id).get("downgrade").toString().replaceAll("0x[0-9a-f]+", "0x"),
                    step.revision(id).get("downgrade").toString().replaceAll("0x[0-9a-f]+", "0x"), id);
        }
    }

    @Test
    void fromTheBaseTheBaselineRevisionIsRoundTrippedToo() throws Exception {
        Result result = Lockwatch.verify(chain());

        assertGraded(result);
        assertEquals("passed", downgrade(result, "r1").get("outcome").asText(), result.describe());
        assertEquals(List.of("r1", "r2", "r3", "r4", "r5", "r6", "r7"), reported(result));
        assertEquals(List.of(), SharedPostgres.scratchDatabases());
    }

    @Test
    void whenTheJudgedChainStopsTheStairwayStopsThere() throws Exception {
        AlembicProject project = AlembicProject.shop(dir, "r1")
                .revision("r2", "r1", TABLE.formatted("a"), "pass")
                .revision("r3", "r2", TABLE.formatted("b"), DROP_TABLE.formatted("b"))
                .revision("r4", "r3", "op.execute('select 1 / 0')", "pass")
                .revision("r5", "r4", TABLE.formatted("d"), DROP_TABLE.formatted("d"));

        Result result = Lockwatch.verify(project, "--from", "r1", "--step");

        assertEquals("failed", downgrade(result, "r2").get("outcome").asText(), result.describe());
        assertEquals("passed", downgrade(result, "r3").get("outcome").asText());
        assertEquals("failed", result.revision("r4").get("status").asText());
        assertEquals("not-checked", downgrade(result, "r4").get("outcome").asText());
        assertEquals("not-run", result.revision("r5").get("status").asText());
        assertEquals("not-checked", downgrade(result, "r5").get("outcome").asText());
        assertEquals(List.of(), SharedPostgres.scratchDatabases());
    }

    /**
     * The stairway's steps share one run of env.py (lockwatch_driver.py's flight); a session setting a revision
     * leaves behind ends the flight, so the next revision starts from a fresh session, as a command of its own does:
     * r3's sleep would run into r2's statement_timeout otherwise, r5 would find r4's setting of its own, and r7's
     * sleep r6's timeout, set on a DBAPI cursor SQLAlchemy does not see.
     */
    @Test
    void aSettingARevisionLeavesInItsSessionDoesNotReachTheNextStep() throws Exception {
        AlembicProject project = AlembicProject.create(dir)
                .revision("r1", null, TABLE.formatted("a"), DROP_TABLE.formatted("a"))
                .revision("r2", "r1", "op.execute(\"SET statement_timeout = '100ms'\")\n" + TABLE.formatted("b"),
                        DROP_TABLE.formatted("b"))
                .revision("r3", "r2", "op.execute('select pg_sleep(0.3)')\n" + TABLE.formatted("c"),
                        DROP_TABLE.formatted("c"))
                .revision("r4", "r3", "op.execute(\"SET app.tenant = 'r4'\")\n" + TABLE.formatted("d"),
                        DROP_TABLE.formatted("d"))
                .revision("r5", "r4", "op.execute(\"do $$ begin if coalesce(current_setting('app.tenant', true), '')"
                        + " <> '' then raise exception 'r4 left app.tenant set'; end if; end $$\")\n"
                        + TABLE.formatted("e"), DROP_TABLE.formatted("e"))
                .revision("r6", "r5", "op.get_bind().connection.cursor().execute(\"SET statement_timeout = '100ms'\")\n"
                        + TABLE.formatted("f"), DROP_TABLE.formatted("f"))
                .revision("r7", "r6", "op.execute('select pg_sleep(0.3)')\n" + TABLE.formatted("g"),
                        DROP_TABLE.formatted("g"));

        Result result = Lockwatch.verify(project);

        for (String id : List.of("r1", "r2", "r3", "r4", "r5", "r6", "r7")) {
            assertEquals("passed", downgrade(result, id).get("outcome").asText(), id + ": " + result.describe());
        }
    }

    /**
     * An env.py that sets something for the transaction alone (SET LOCAL) has it at every step: a commit between two
     * steps of a flight would end it, and r2's table would not come back where its setting says.
     */
    @Test
    void envPysSettingForTheTransactionHoldsAtEveryStep() throws Exception {
        String setLocal = AlembicProject.ENV_FROM_INI.formatted("").replace("            context.run_migrations()",
                "            context.execute(\"SET LOCAL app.schema = 'app'\")\n            context.run_migrations()");
        assertTrue(setLocal.contains("SET LOCAL"), "the template's run_migrations() line moved");
        AlembicProject project = AlembicProject.create(dir, setLocal)
                .revision("r1", null, "op.execute('create schema app')\n" + TABLE.formatted("a"), "pass")
                .revision("r2", "r1", IN_APP_SCHEMA.formatted("create table %I.t_b (id int primary key)"),
                        IN_APP_SCHEMA.formatted("drop table %I.t_b"))
                .revision("r3", "r2", IN_APP_SCHEMA.formatted("create table %I.t_c (id int primary key)"),
                        IN_APP_SCHEMA.formatted("drop table %I.t_c"));

        Result result = Lockwatch.verify(project, "--from", "r1");

        for (String id : List.of("r2", "r3")) {
            assertEquals("passed", downgrade(result, id).get("outcome").asText(), id + ": " + result.describe());
        }
    }

    /**
     * The stairway's unwatched steps share runs of env.py: five revisions climbed as upgrade, downgrade, upgrade
     * again are fifteen commands, run by a few env.py runs (the first command shows env.py runs its migrations once).
     */
    @Test
    void theStairwaysStepsShareRunsOfEnvPy() throws Exception {
        Path runs = dir.resolve("env-runs.log");
        AlembicProject project = AlembicProject.create(dir, """
                import os
                with open(%s, "a") as runs:
                    runs.write(os.environ.get("PGAPPNAME", "") + "\\n")
                """.formatted(DriverSessionReuseTest.pythonString(runs)) + AlembicProject.ENV_FROM_INI.formatted(""));
        for (int i = 1; i <= 5; i++) {
            project.revision("r" + i, i == 1 ? null : "r" + (i - 1), TABLE.formatted(i), DROP_TABLE.formatted(i));
        }

        Result result = Lockwatch.verify(project);

        for (int i = 1; i <= 5; i++) {
            assertEquals("passed", downgrade(result, "r" + i).get("outcome").asText(), result.describe());
        }
        long unjudged = java.nio.file.Files.readAllLines(runs).stream().filter("lockwatch-unjudged"::equals).count();
        assertTrue(unjudged <= 3, unjudged + " runs of env.py for the stairway's 15 steps");
    }

    /**
     * A step of a flight starts from what alembic keeps for a command of its own: a table's enum type is created
     * again after a downgrade dropped it (r2), and one a downgrade left behind still fails the upgrade again (r3),
     * as warehouse's 7f0d1b5af8c7 and 2ee4c188adc2 do. alembic's DDL runner remembers the enum types its
     * create_table made, so a second step of the same run of env.py skipped their CREATE TYPE.
     */
    @Test
    void enumTypesAreCreatedAgainAsByACommandOfItsOwn() throws Exception {
        AlembicProject project = AlembicProject.create(dir)
                .revision("r1", null, TABLE.formatted("a"), DROP_TABLE.formatted("a"))
                .revision("r2", "r1", "op.create_table('moods', sa.Column('id', sa.Integer, primary_key=True),"
                        + " sa.Column('mood', sa.Enum('sad', 'happy', name='mood')))",
                        "op.drop_table('moods')\nop.execute('drop type mood')")
                .revision("r3", "r2", "op.create_table('bans', sa.Column('id', sa.Integer, primary_key=True),"
                        + " sa.Column('reason', sa.Enum('spam', name='banreason')))", "op.drop_table('bans')");

        Result result = Lockwatch.verify(project);

        assertEquals("passed", downgrade(result, "r2").get("outcome").asText(), result.describe());
        assertEquals("failed", downgrade(result, "r3").get("outcome").asText());
        assertEquals("upgrading again after the downgrade", downgrade(result, "r3").get("failed_step").asText());
        assertTrue(downgrade(result, "r3").get("detail").asText().contains("already exists"));
    }
}
