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
 * @param chainStopped the database was left in a state the next revisions cannot build on
 */
public record DowngradeCheck(Outcome outcome, String command, Step failedStep, String detail, List<String> differences,
                             List<String> upgradeAgainDifferences, boolean chainStopped) {

    public DowngradeCheck {
        differences = List.copyOf(differences);
        upgradeAgainDifferences = List.copyOf(upgradeAgainDifferences);
    }

    public static DowngradeCheck notChecked() {
        return new DowngradeCheck(Outcome.NOT_CHECKED, null, null, null, List.of(), List.of(), false);
    }

    public static DowngradeCheck skipped(String reason) {
        return new DowngradeCheck(Outcome.SKIPPED, null, null, reason, List.of(), List.of(), false);
    }

    public enum Outcome {
        PASSED, FAILED, INCOMPLETE, SKIPPED, NOT_CHECKED;

        @JsonValue
        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /** The step of the round trip that failed. */
    public enum Step {
        DOWNGRADE("alembic downgrade"), UPGRADE_AGAIN("upgrading again after the downgrade"),
        STAMP("alembic stamp after a downgrade that changed nothing");

        private final String words;

        Step(String words) {
            this.words = words;
        }

        public String words() {
            return words;
        }
    }
}
