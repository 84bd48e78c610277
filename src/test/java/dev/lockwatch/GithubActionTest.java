package dev.lockwatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lockwatch.support.Lockwatch;
import dev.lockwatch.support.Shell;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The GitHub Action's shell steps (scripts/ci/action.sh) with the environment GitHub gives them, faked: GITHUB_*
 * variables and files, an event payload, and stand-ins for {@code gh} and the job's Python that record what they
 * were asked. lockwatch itself is tested elsewhere; here, what the action does around it.
 */
class GithubActionTest {
    private static final Path SCRIPT = Path.of("scripts/ci/action.sh").toAbsolutePath();
    private static final String SAME_REPO_PR = """
            {"pull_request": {"number": 7, "head": {"repo": {"full_name": "shop/app"}}, "base": {"repo": {"full_name": "shop/app"}}}}""";

    @TempDir
    Path dir;
    Path work;
    Path calls;
    final Map<String, String> env = new HashMap<>();

    @BeforeEach
    void fakeGithub() throws IOException {
        work = Files.createDirectories(dir.resolve("work"));
        Path bin = Files.createDirectories(dir.resolve("bin"));
        calls = dir.resolve("calls.log");
        // the job's Python: pip and lockwatch record their arguments; lockwatch writes the reports it is asked for
        executable(bin.resolve("python3"), """
                #!/bin/bash
                if [ "$1" = -c ]; then exec /usr/bin/python3 "$@"; fi
                echo "python $*" >> "$CALLS"
                if [ "$2" = lockwatch ] && [ "$3" = verify ]; then
                  while [ $# -gt 0 ]; do
                    if [ "$1" = --report ]; then f="${2#*=}"; [ "$f" = - ] || echo "${2%%=*} report" > "$f"; fi
                    shift
                  done
                  echo '<!-- lockwatch-report -->' > lockwatch-report/comment.md
                  exit "${FAKE_STATUS:-0}"
                fi
                """);
        executable(bin.resolve("gh"), """
                #!/bin/bash
                echo "gh $*" >> "$CALLS"
                for a in "$@"; do case "$a" in body=@*) echo "body: $(cat "${a#body=@}")" >> "$CALLS";; esac; done
                case "$*" in
                  *"/comments --paginate"*) [ -z "${FAKE_COMMENT_ID:-}" ] || echo "$FAKE_COMMENT_ID" ;;
                  *"/pulls/"*) echo "${FAKE_HEAD_SHA:-}" ;;
                esac
                """);
        env.putAll(Map.of("CALLS", calls.toString(), "LOCKWATCH_PYTHON", bin.resolve("python3").toString(),
                "PATH", bin + ":" + System.getenv("PATH"), "GITHUB_REPOSITORY", "shop/app",
                "GITHUB_OUTPUT", dir.resolve("output").toString(), "GITHUB_STEP_SUMMARY", dir.resolve("summary").toString(),
                "GITHUB_EVENT_PATH", dir.resolve("event.json").toString(), "GITHUB_BASE_REF", "main", "GH_TOKEN", "t"));
        Files.writeString(dir.resolve("event.json"), SAME_REPO_PR);
    }

    @Test
    void verifyComparesWithTheBaseBranchAndWritesTheOutputs() throws IOException {
        git("init", "-q", "-b", "feature");
        git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m", "base");
        git("update-ref", "refs/remotes/origin/main", "HEAD");
        env.put("FAKE_STATUS", "1");
        env.put("LOCKWATCH_ARGS", "--rule 'missing-lock-timeout=error' --busy-table \"public.orders\"");

        Lockwatch.Result result = action("verify");

        assertEquals(1, result.exitCode(), "lockwatch's status is the step's: " + result.describe());
        String lockwatch = calls().stream().filter(c -> c.contains(" verify ")).findFirst().orElseThrow();
        assertTrue(lockwatch.contains("-m lockwatch verify -c alembic.ini --git-base origin/main --report github=-"), lockwatch);
        assertTrue(lockwatch.endsWith("--rule missing-lock-timeout=error --busy-table public.orders"), lockwatch);
        assertTrue(result.out().contains("text report"), "the text report is in the log: " + result.out());
        assertEquals(List.of("status=1", "sarif=lockwatch-report/lockwatch.sarif", "comment=lockwatch-report/comment.md"),
                Files.readAllLines(dir.resolve("output")));
        assertTrue(Files.readString(dir.resolve("summary")).contains("<!-- lockwatch-report -->"));
        assertEquals("7", Files.readString(work.resolve("lockwatch-report/pr-number")).strip(), "for the comment workflow");
    }

    @Test
    void installPutsTheWheelIntoTheJobsPython() throws IOException {
        env.put("LOCKWATCH_WHEEL", "/dist/lockwatch-0.1.0-py3-none-any.whl");

        assertEquals(0, action("install").exitCode());

        assertEquals(List.of("python -m pip install --quiet --disable-pip-version-check --no-deps --force-reinstall "
                + "/dist/lockwatch-0.1.0-py3-none-any.whl", "python -m lockwatch --version"), calls());
    }

    @Test
    void commentUpdatesTheOneLockwatchCommentOrAddsIt() throws IOException {
        report();
        env.put("FAKE_COMMENT_ID", "42");
        assertEquals(0, action("comment").exitCode());
        assertTrue(calls().contains("gh api --method PATCH repos/shop/app/issues/comments/42 -F body=@lockwatch-report/comment.md"), calls().toString());

        Files.delete(calls);
        env.remove("FAKE_COMMENT_ID");
        assertEquals(0, action("comment").exitCode());
        assertTrue(calls().contains("gh api --method POST repos/shop/app/issues/7/comments -F body=@lockwatch-report/comment.md"), calls().toString());
        assertTrue(calls().contains("body: <!-- lockwatch-report --> the report"), calls().toString());
    }

    @Test
    void aForksPullRequestLeavesTheCommentToTheWorkflowRun() throws IOException {
        report();
        Files.writeString(dir.resolve("event.json"), SAME_REPO_PR.replaceFirst("shop/app", "someone/app"));

        Lockwatch.Result result = action("comment");

        assertEquals(0, result.exitCode(), result.describe());
        assertTrue(result.out().contains("::notice title=lockwatch::pull request from the fork someone/app"), result.out());
        assertFalse(Files.exists(calls), "gh is not called with a token that cannot comment");
    }

    @Test
    void theWorkflowRunCommentsOnlyWhereTheReportsCommitIsTheHead() throws IOException {
        report();
        Files.writeString(work.resolve("lockwatch-report/pr-number"), "7\n");
        Files.writeString(dir.resolve("event.json"), "{\"workflow_run\": {\"head_sha\": \"abc123\"}}");
        env.put("FAKE_HEAD_SHA", "abc123");

        assertEquals(0, action("comment").exitCode());
        assertTrue(calls().contains("gh api --method POST repos/shop/app/issues/7/comments -F body=@lockwatch-report/comment.md"), calls().toString());

        Files.delete(calls);
        env.put("FAKE_HEAD_SHA", "fff999");
        Lockwatch.Result other = action("comment");
        assertEquals(1, other.exitCode(), "a report naming another pull request: " + other.describe());
        assertTrue(calls().stream().noneMatch(c -> c.contains("--method")), calls().toString());
    }

    private void report() throws IOException {
        Files.createDirectories(work.resolve("lockwatch-report"));
        Files.writeString(work.resolve("lockwatch-report/comment.md"), "<!-- lockwatch-report --> the report\n");
    }

    private Lockwatch.Result action(String step) {
        return Shell.run(work, env, 60, List.of(SCRIPT.toString(), step));
    }

    private void git(String... args) {
        Shell.check(work, env, 60, java.util.stream.Stream.concat(java.util.stream.Stream.of("git"), java.util.Arrays.stream(args)).toList());
    }

    private List<String> calls() throws IOException {
        return Files.exists(calls) ? Files.readAllLines(calls) : List.of();
    }

    private static void executable(Path path, String text) throws IOException {
        Files.writeString(path, text);
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
}
