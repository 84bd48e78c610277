package dev.lockwatch.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.StreamSupport;
import picocli.CommandLine;

/** Runs the lockwatch command line in-process, as a user would type it, and keeps what it printed. */
public final class Lockwatch {
    private Lockwatch() {
    }

    public static Result run(String... args) {
        CommandLine cli = dev.lockwatch.cli.Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        return new Result(exit, out.toString(), err.toString());
    }

    /** {@code verify} on the shared server with a JSON report. */
    public static Result verify(AlembicProject project, String... extra) {
        List<String> args = new ArrayList<>(List.of("verify", "-c", project.ini().toString(), "--server-url",
                SharedPostgres.url(), "--format", "json"));
        args.addAll(List.of(extra));
        return run(args.toArray(String[]::new));
    }

    /**
     * {@code verify --from r1} of a project whose r1 is the {@link AlembicProject#SHOP} baseline and whose r2, the
     * revision verified, runs {@code upgrade} and {@code downgrade}.
     */
    public static Result verifyOnShop(java.nio.file.Path dir, String upgrade, String downgrade, String... extra) {
        AlembicProject project = AlembicProject.shop(dir, "r1").revision("r2", "r1", upgrade, downgrade);
        List<String> args = new ArrayList<>(List.of("--from", "r1"));
        args.addAll(List.of(extra));
        return verify(project, args.toArray(String[]::new));
    }

    /**
     * For suites about something other than the findings (formats, git, versions, dumps, statistics): leaves out
     * the downgrade round trip and the warnings every plain fixture raises (no lock_timeout, one transaction, one deploy), so
     * their assertions see only what they are about.
     */
    private static final List<String> FOCUSED = List.of("--no-downgrade-check",
            "--rule", "missing-lock-timeout=off", "--rule", "lock-held-across-statements=off",
            "--rule", "lock-held-across-revisions=off");

    public static Result verifyFocused(AlembicProject project, String... extra) {
        List<String> args = new ArrayList<>(List.of(extra));
        args.addAll(FOCUSED);
        return verify(project, args.toArray(String[]::new));
    }

    public static Result runFocused(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(FOCUSED);
        return run(all.toArray(String[]::new));
    }

    public record Result(int exitCode, String out, String err) {
        public JsonNode json() {
            try {
                return new ObjectMapper().readTree(out);
            } catch (Exception e) {
                throw new AssertionError("not JSON (exit " + exitCode + "): " + out + "\nstderr: " + err, e);
            }
        }

        public JsonNode revision(String id) {
            return StreamSupport.stream(json().get("revisions").spliterator(), false)
                    .filter(r -> r.get("revision").asText().equals(id)).findFirst()
                    .orElseThrow(() -> new AssertionError("no revision " + id + " in " + out));
        }

        public List<String> rules(String revision) {
            return StreamSupport.stream(revision(revision).get("findings").spliterator(), false)
                    .map(f -> f.get("rule").asText()).toList();
        }

        /** The rules of the revision's error findings. */
        public List<String> errors(String revision) {
            return StreamSupport.stream(revision(revision).get("findings").spliterator(), false)
                    .filter(f -> f.get("severity").asText().equals("error")).map(f -> f.get("rule").asText()).toList();
        }

        /** The revision's findings of {@code rule}. */
        public List<JsonNode> findings(String revision, String rule) {
            return StreamSupport.stream(revision(revision).get("findings").spliterator(), false)
                    .filter(f -> f.get("rule").asText().equals(rule)).toList();
        }

        /** The revision's only finding of {@code rule}. */
        public JsonNode finding(String revision, String rule) {
            List<JsonNode> found = findings(revision, rule);
            if (found.size() != 1) {
                throw new AssertionError("expected one " + rule + " finding on " + revision + ", found " + found.size()
                        + ":\n" + describe());
            }
            return found.get(0);
        }

        /** "table MODE" for every lock the revision's statements took. */
        public List<String> locks(String revision) {
            List<String> locks = new ArrayList<>();
            for (JsonNode statement : revision(revision).get("statements")) {
                for (JsonNode lock : statement.get("locks")) {
                    locks.add(lock.get("table").asText() + " " + lock.get("mode").asText());
                }
            }
            return locks;
        }

        public String describe() {
            return "exit " + exitCode + "\nstdout:\n" + out + "\nstderr:\n" + err;
        }
    }
}
