package dev.lockwatch.model;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.List;
import java.util.Locale;

/**
 * The round trip after a revision's upgrade: {@code alembic downgrade} one step, then upgrade again. Its locks
 * are not judged; only whether it runs and restores the schema.
 *
 * @param command      the downgrade as run, e.g. {@code alembic downgrade r2@-1}; null when not run
 * @param failedStep   which step failed, when {@link #outcome} is FAILED
 * @param detail       alembic's error for FAILED, the reason for SKIPPED, else null
 * @param differences  the schema after the downgrade compared with before the upgrade (what it did not restore)
 * @param upgradeAgainDifferences the schema after upgrading again compared with after the first upgrade
 * @param restored     how lockwatch put the database back at the revision when the round trip left it elsewhere,
 *                     so the chain goes on: the round trip never stops it
 */
public record DowngradeCheck(Outcome outcome, String command, Step failedStep, String detail, List<String> differences,
                             List<String> upgradeAgainDifferences, Restore restored) {

    public DowngradeCheck {
        differences = List.copyOf(differences);
        upgradeAgainDifferences = List.copyOf(upgradeAgainDifferences);
    }

    public static DowngradeCheck notChecked() {
        return new DowngradeCheck(Outcome.NOT_CHECKED, null, null, null, List.of(), List.of(), Restore.NONE);
    }

    public static DowngradeCheck skipped(String reason) {
        return new DowngradeCheck(Outcome.SKIPPED, null, null, reason, List.of(), List.of(), Restore.NONE);
    }

    /** ONE_WAY: the downgrade raised on purpose (its own raise, or NotImplementedError): one-way by design. */
    public enum Outcome {
        PASSED, FAILED, INCOMPLETE, ONE_WAY, SKIPPED, NOT_CHECKED;

        @JsonValue
        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /**
     * How the database got back to the revision after a round trip that left it elsewhere: not needed, {@code alembic
     * stamp} (the schema was the upgrade's, only the version row had moved), or a replay of the chain from lockwatch's
     * copy of the baseline.
     */
    public enum Restore {
        NONE, STAMP, REPLAY;

        @JsonValue
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The step of the round trip that failed. */
    public enum Step {
        DOWNGRADE("alembic downgrade"), UPGRADE_AGAIN("upgrading again after the downgrade");

        private final String words;

        Step(String words) {
            this.words = words;
        }

        public String words() {
            return words;
        }
    }
}
