package dev.lockwatch.review;

import dev.lockwatch.model.Finding;
import dev.lockwatch.model.RevisionResult;
import dev.lockwatch.model.RevisionRun;
import dev.lockwatch.model.SourceLocation;
import dev.lockwatch.model.Statement;
import java.util.Objects;
import java.util.Optional;

/**
 * Points each finding at the revision-file line that caused it: the line the statement it names was issued
 * from (tagged by lockwatch's sitecustomize, see {@code SourceTag}), else, in a failed revision, the line the
 * failure came from, else just the revision file. Rules stay free of source files; this works for any rule.
 */
final class FindingLocator {
    private final SourceFiles files;

    FindingLocator(SourceFiles files) {
        this.files = files;
    }

    RevisionResult locate(RevisionResult result) {
        return new RevisionResult(result.run(), result.findings().stream().map(f -> locate(result.run(), f)).toList());
    }

    private Finding locate(RevisionRun run, Finding finding) {
        if (finding.location().isPresent()) {
            return finding.at(files.canonical(finding.location().get()));
        }
        Optional<SourceLocation> where = finding.statement().isPresent()
                ? run.statements().stream().filter(s -> s.source() != null && sameSql(s, finding.statement().get()))
                        .map(Statement::source).findFirst()
                : Optional.ofNullable(run.failedAt());
        return finding.at(where.map(files::canonical).orElse(SourceLocation.fileOnly(run.revision().file())));
    }

    private static boolean sameSql(Statement statement, String sql) {
        return Objects.equals(statement.sql().strip(), sql.strip());
    }
}
