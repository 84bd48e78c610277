package dev.lockwatch.git;

import dev.lockwatch.process.Folders;
import dev.lockwatch.model.GitSelection;
import dev.lockwatch.model.LockwatchException;
import dev.lockwatch.model.RevisionChange;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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

    /** How a changed file's revision id is learnt: alembic reads revision files, lockwatch does not. */
    public interface RevisionIds {
        /** The revision a file of the work tree declares; empty for a module that declares none. */
        Optional<String> of(Path file);

        /** The revisions that files the branch deleted declared, read from their old text saved under these paths. */
        Map<Path, String> ofDeleted(Collection<Path> saved);
    }

    private record Changed(RevisionChange.Kind kind, String path) {
    }

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
    public GitSelection changesSince(String ref, List<Path> versionFolders, String option, RevisionIds ids) {
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
        List<Changed> changes = new ArrayList<>();
        List<String> diff = new ArrayList<>(List.of("diff", "--name-status", "-z", "-M", "--no-ext-diff", base, "--"));
        diff.addAll(pathspecs);
        List<String> fields = git.run(diff.toArray(String[]::new)).orFail(option).fields();
        for (int i = 0; i < fields.size(); ) {
            String status = fields.get(i++);
            String path = fields.get(i++);
            if (status.startsWith("R") || status.startsWith("C")) {
                String to = fields.get(i++);
                if (status.startsWith("C")) {
                    changes.add(new Changed(RevisionChange.Kind.ADDED, to));
                } else if (!status.equals("R100")) {
                    changes.add(new Changed(RevisionChange.Kind.MODIFIED, to));
                }
                continue;
            }
            switch (status.charAt(0)) {
                case 'A' -> changes.add(new Changed(RevisionChange.Kind.ADDED, path));
                case 'D' -> changes.add(new Changed(RevisionChange.Kind.DELETED, path));
                default -> changes.add(new Changed(RevisionChange.Kind.MODIFIED, path));
            }
        }
        List<String> untracked = new ArrayList<>(List.of("ls-files", "-z", "--full-name", "--others",
                "--exclude-standard", "--"));
        untracked.addAll(pathspecs);
        for (String path : git.run(untracked.toArray(String[]::new)).orFail(option).fields()) {
            changes.add(new Changed(RevisionChange.Kind.ADDED, path));
        }
        return new GitSelection(ref, base, revisions(changes, base, ids));
    }

    /** The changed revision files with the ids alembic reads from them; helper modules drop out. */
    private List<RevisionChange> revisions(List<Changed> changed, String base, RevisionIds ids) {
        List<Changed> files = changed.stream()
                .filter(c -> c.path().endsWith(".py") && !c.path().endsWith("__init__.py")).toList();
        Map<Changed, String> deleted = deletedIds(files.stream()
                .filter(c -> c.kind() == RevisionChange.Kind.DELETED).toList(), base, ids);
        List<RevisionChange> changes = new ArrayList<>();
        for (Changed c : files) {
            Path file = root.resolve(c.path());
            Optional<String> id = c.kind() == RevisionChange.Kind.DELETED ? Optional.ofNullable(deleted.get(c))
                    : ids.of(file);
            id.ifPresent(revision -> changes.add(new RevisionChange(c.kind(), file, revision)));
        }
        return changes;
    }

    /** Deleted files' old text, saved to a temp folder for alembic's loader to read, then removed. */
    private Map<Changed, String> deletedIds(List<Changed> deleted, String base, RevisionIds ids) {
        if (deleted.isEmpty()) {
            return Map.of();
        }
        Path folder = null;
        try {
            // made before the run's workspace, so a signal would skip the finally below: each path is also
            // deleted at JVM exit, which runs on SIGTERM too (last registered first: files before their folders)
            folder = Files.createTempDirectory("lockwatch-deleted-");
            folder.toFile().deleteOnExit();
            Map<Path, Changed> saved = new LinkedHashMap<>();
            for (Changed c : deleted) {
                Git.Output old = git.run("show", base + ":" + c.path());
                if (old.ok()) {
                    Path parent = Files.createDirectories(folder.resolve(Integer.toString(saved.size())));
                    parent.toFile().deleteOnExit();
                    Path copy = parent.resolve(Path.of(c.path()).getFileName());
                    copy.toFile().deleteOnExit();
                    Files.writeString(copy, old.text());
                    saved.put(copy, c);
                }
            }
            Map<Changed, String> result = new LinkedHashMap<>();
            ids.ofDeleted(saved.keySet()).forEach((copy, id) -> result.put(saved.get(copy), id));
            return result;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (folder != null) {
                Folders.deleteQuietly(folder); // lockwatch's own temp copy
            }
        }
    }

    public static Path real(Path folder) {
        try {
            return folder.toRealPath();
        } catch (IOException e) {
            return folder.toAbsolutePath().normalize();
        }
    }
}
