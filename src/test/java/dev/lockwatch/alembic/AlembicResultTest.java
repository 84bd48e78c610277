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
}
