package dev.lockwatch.rules;

import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/** Every kind of finding lockwatch reports: the rules over revision runs, then the workflow checks. */
public final class FindingKinds {
    public static final EditedAppliedRevision EDITED_APPLIED_REVISION = new EditedAppliedRevision();
    public static final InvalidSuppression INVALID_SUPPRESSION = new InvalidSuppression();
    public static final SuppressionWithoutReason SUPPRESSION_WITHOUT_REASON = new SuppressionWithoutReason();
    public static final UnusedSuppression UNUSED_SUPPRESSION = new UnusedSuppression();

    private final List<FindingKind> kinds;

    public FindingKinds(RuleSet rules) {
        this.kinds = Stream.concat(rules.rules().stream(), Stream.of(EDITED_APPLIED_REVISION, INVALID_SUPPRESSION,
                SUPPRESSION_WITHOUT_REASON, UNUSED_SUPPRESSION)).toList();
    }

    public List<FindingKind> all() {
        return kinds;
    }

    public List<String> names() {
        return kinds.stream().map(FindingKind::name).toList();
    }

    public Optional<FindingKind> find(String name) {
        return kinds.stream().filter(k -> k.name().equals(name)).findFirst();
    }
}
