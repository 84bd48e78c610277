package dev.lockwatch.capture;

import java.util.Optional;
import java.util.Set;

/**
 * Which statements a migration's session follows with {@link GateProtocol#afterStatementSql()}, its own read of the
 * locks its transaction holds: every one (best-effort capture, where no trigger pauses anything), or those whose
 * first keyword is listed (the statements no trigger pauses: {@link GateProtocol#afterUngatedStatements}).
 */
public record AfterStatements(String sql, Optional<Set<String>> onlyFirstKeywords) {
    public AfterStatements {
        onlyFirstKeywords = onlyFirstKeywords.map(Set::copyOf);
    }
}
