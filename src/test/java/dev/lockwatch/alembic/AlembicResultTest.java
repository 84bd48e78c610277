package dev.lockwatch.alembic;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** What a failed alembic invocation is summed up as, in memory. */
class AlembicResultTest {
    /** alembic 1.8 on op.drop_constraint(None, ...) quotes SQLAlchemy objects by their memory address. */
    @Test
    void theSameFailureReadsTheSameInEveryRun() {
        String run1 = "Traceback (most recent call last):\n  File \"/p/versions/r3.py\", line 20, in downgrade\n"
                + "sqlalchemy.exc.CompileError: Can't emit DROP CONSTRAINT for constraint ForeignKeyConstraint("
                + "<sqlalchemy.sql.base.DedupeColumnCollection object at 0x7f3a1c2b4e50>, None, table=Table('teams')); "
                + "it has no name\n";
        String run2 = run1.replace("0x7f3a1c2b4e50", "0x7fd08e9a1f10");
        AlembicResult first = new AlembicResult(1, run1, 10, false);
        assertEquals(first.errorSummary(), new AlembicResult(1, run2, 10, false).errorSummary());
        assertEquals("sqlalchemy.exc.CompileError: Can't emit DROP CONSTRAINT for constraint ForeignKeyConstraint("
                + "<sqlalchemy.sql.base.DedupeColumnCollection object>, None, table=Table('teams')); it has no name",
                first.lastErrorLine());
    }

    /**
     * SQLAlchemy quotes the statement after the exception: a statement of many lines (a schema in one op.execute) must
     * not stand for the error in one-line messages, and the server's hint says what to do.
     */
    @Test
    void theOneLineMessageIsTheExceptionWithItsHintNotTheQuotedStatement() {
        String output = "Traceback (most recent call last):\n  File \"/p/versions/r1.py\", line 6, in upgrade\n"
                + "sqlalchemy.exc.OperationalError: (psycopg2.errors.OutOfMemory) out of shared memory\n"
                + "HINT:  You might need to increase max_locks_per_transaction.\n\n"
                + "[SQL: create table t0 (id serial primary key);\ncreate table t1 (id serial primary key);\n"
                + "create table t2 (id serial primary key);]\n"
                + "(Background on this error at: https://sqlalche.me/e/14/e3q8)\n";
        assertEquals("sqlalchemy.exc.OperationalError: (psycopg2.errors.OutOfMemory) out of shared memory; "
                + "HINT: You might need to increase max_locks_per_transaction.",
                new AlembicResult(1, output, 10, false).lastErrorLine());
    }

    /** A driver that crashed prints no exception: its last words are the message. */
    @Test
    void withoutAnExceptionTheLastLineIsTheMessage() {
        assertEquals("FAILED: alembic's Python process crashed while running upgrade r1 (killed by signal 9)",
                AlembicResult.headline("some output\nFAILED: alembic's Python process crashed while running upgrade r1"
                        + " (killed by signal 9)"));
    }
}
