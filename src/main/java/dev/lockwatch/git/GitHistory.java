package dev.lockwatch.git;

import dev.lockwatch.alembic.RevisionScanner;
import dev.lockwatch.model.GitSelection;
import dev.lockwatch.model.LockwatchException;
import dev.lockwatch.model.Revision;
import dev.lockwatch.model.RevisionChange;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Which revision files a branch added, edited or deleted since it forked from a base ref, asked of the real
 * {@code git} the way a reviewer diffs the {@code versions/} folder: {@code git merge-base REF HEAD}, then
 * {@code git diff --name-status} from there to the work tree, plus untracked files (a revision not yet
 * committed is new too). A pure rename is no change.
 */
public final class GitHistory {
    private final Git git;
    private final Path root;

    private GitHistory(Git git, Path root) {
        this.git = git;
        this.root = root;
    }

    /** The repository holding {@code folder}; a usage error when there is none. */
    public static GitHistory of(Path folder, String option) {
        Git git = new Git(folder);
        Git.Output top = git.run("rev-parse", "--show-toplevel");
        if (!top.ok()) {
            throw LockwatchException.usage(option + ": " + folder + " is not inside a git repository ("
                    + top.firstErrorLine() + ")");
        }
        return new GitHistory(git, Path.of(top.text().strip()));
    }

    /** The work tree holding {@code folder}, or empty when it is none or git is missing. */
    public static Optional<Path> root(Path folder) {
        try {
            Git.Output top = new Git(folder).run("rev-parse", "--show-toplevel");
            return top.ok() ? Optional.of(Path.of(top.text().strip())) : Optional.empty();
        } catch (LockwatchException noGit) {
            return Optional.empty();
        }
    }

    public Path root() {
        return root;
    }

    /**
     * The revision files under {@code versionFolders} the branch changed since its merge-base with {@code ref}.
     *
     * @param option names the option in errors, e.g. {@code --git-base origin/main}
     */
    public GitSelection changesSince(String ref, List<Path> versionFolders, String option) {
        if (!git.run("rev-parse", "--verify", "--quiet", ref + "^{commit}").ok()) {
            throw LockwatchException.usage(option + ": git knows no commit named " + ref
                    + " here; fetch it first (e.g. git fetch origin main)");
        }
        Git.Output mergeBase = git.run("merge-base", ref, "HEAD");
        if (!mergeBase.ok()) {
            throw LockwatchException.usage(option + ": " + ref + " and HEAD have no common commit; in a shallow "
                    + "clone fetch the full history (actions/checkout with fetch-depth: 0)");
        }
        String base = mergeBase.text().strip();
        List<String> pathspecs = new ArrayList<>();
        for (Path folder : versionFolders) {
            Path real = real(folder);
            if (!real.startsWith(root)) {
                throw LockwatchException.usage(option + ": version folder " + folder + " is outside the git work tree " + root);
            }
            pathspecs.add(":(top)" + (root.equals(real) ? "." : root.relativize(real).toString()));
        }
        List<RevisionChange> changes = new ArrayList<>();
        List<String> diff = new ArrayList<>(List.of("diff", "--name-status", "-z", "-M", "--no-ext-diff", base, "--"));
        diff.addAll(pathspecs);
        List<String> fields = git.run(diff.toArray(String[]::new)).orFail(option).fields();
        for (int i = 0; i < fields.size(); ) {
            String status = fields.get(i++);
            String path = fields.get(i++);
            if (status.startsWith("R") || status.startsWith("C")) {
                String to = fields.get(i++);
                if (status.startsWith("C")) {
                    change(changes, RevisionChange.Kind.ADDED, to, base);
                } else if (!status.equals("R100")) {
                    change(changes, RevisionChange.Kind.MODIFIED, to, base);
                }
                continue;
            }
            switch (status.charAt(0)) {
                case 'A' -> change(changes, RevisionChange.Kind.ADDED, path, base);
                case 'D' -> change(changes, RevisionChange.Kind.DELETED, path, base);
                default -> change(changes, RevisionChange.Kind.MODIFIED, path, base);
            }
        }
        List<String> untracked = new ArrayList<>(List.of("ls-files", "-z", "--full-name", "--others",
                "--exclude-standard", "--"));
        untracked.addAll(pathspecs);
        for (String path : git.run(untracked.toArray(String[]::new)).orFail(option).fields()) {
            change(changes, RevisionChange.Kind.ADDED, path, base);
        }
        return new GitSelection(ref, base, changes);
    }

    private void change(List<RevisionChange> changes, RevisionChange.Kind kind, String path, String base) {
        if (!path.endsWith(".py") || path.endsWith("__init__.py")) {
            return;
        }
        Path file = root.resolve(path);
        Optional<Revision> revision;
        if (kind == RevisionChange.Kind.DELETED) {
            Git.Output old = git.run("show", base + ":" + path);
            revision = old.ok() ? RevisionScanner.parse(file, old.text()) : Optional.empty();
        } else {
            revision = RevisionScanner.read(file);
        }
        revision.ifPresent(r -> changes.add(new RevisionChange(kind, file, r.id())));
    }

    static Path real(Path folder) {
        try {
            return folder.toRealPath();
        } catch (IOException e) {
            return folder.toAbsolutePath().normalize();
        }
    }
}
