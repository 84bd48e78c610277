package dev.lockwatch.rules;

import dev.lockwatch.model.Finding;
import dev.lockwatch.model.RevisionRun;
import java.util.List;

/** One kind of finding: a pure function from what a revision's run showed to findings. */
public interface Rule extends FindingKind {

    List<Finding> check(RevisionRun run);
}
