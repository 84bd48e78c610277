package dev.lockwatch.cli;

import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/**
 * Which revisions to verify: those a branch added ({@code --git-base}), or a range ({@code --from}/{@code --to});
 * one or the other, as picocli's exclusive group enforces. The accessors give the defaults of options not given
 * (picocli leaves an unmatched group null).
 */
final class RevisionRange {
    static final String DEFAULT_FROM = "base";
    /** What the user reads when both kinds are given. */
    static final String CONFLICT = "--git-base chooses the revisions to verify itself: drop --from and --to";

    @Option(names = "--git-base", paramLabel = "REF",
            description = "verify the revision files this branch added since its merge-base with REF (e.g. "
                    + "origin/main), with every other revision as the baseline; edits to revisions that exist on REF "
                    + "are errors (edited-applied-revision). Replaces --from/--to")
    String gitBase;

    @ArgGroup(exclusive = false)
    FromTo fromTo;

    static final class FromTo {
        @Option(names = "--from", paramLabel = "REV", defaultValue = DEFAULT_FROM,
                description = "baseline: applied with one alembic upgrade, not verified (default: ${DEFAULT-VALUE})")
        String from = DEFAULT_FROM;

        @Option(names = "--to", paramLabel = "REV",
                description = "last revision to verify, or heads for all (default: every head; more than one head is a "
                        + "multiple-heads finding)")
        String to;
    }

    String gitBase() {
        return gitBase;
    }

    String from() {
        return fromTo == null ? DEFAULT_FROM : fromTo.from;
    }

    String to() {
        return fromTo == null ? null : fromTo.to;
    }

    /** lockwatch's message for picocli's "mutually exclusive" or "only one match" error about this group. */
    static Optional<String> conflict(CommandLine.ParameterException e) {
        boolean exclusive = e instanceof CommandLine.MutuallyExclusiveArgsException
                || e instanceof CommandLine.MaxValuesExceededException;
        return exclusive && e.getMessage().contains("--git-base") ? Optional.of(CONFLICT) : Optional.empty();
    }
}
