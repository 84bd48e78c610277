package dev.lockwatch.cli;

import dev.lockwatch.model.LockwatchException;
import dev.lockwatch.rules.FindingKind;
import dev.lockwatch.rules.FindingKinds;
import dev.lockwatch.rules.RuleSet;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "explain", mixinStandardHelpOptions = true,
        description = {"Explain a rule: what it catches, why it hurts in production, how to fix it.",
                "Without RULE, list every rule with its default severity."})
public final class ExplainCommand implements Runnable {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(arity = "0..1", paramLabel = "RULE", description = "a rule name as reports show it, e.g. non-concurrent-index")
    String rule;

    @Override
    public void run() {
        FindingKinds kinds = new FindingKinds(RuleSet.defaults());
        PrintWriter out = spec.commandLine().getOut();
        if (rule == null) {
            int width = kinds.names().stream().mapToInt(String::length).max().orElse(0);
            for (FindingKind kind : kinds.all()) {
                out.printf("%-" + width + "s  %-7s  %s%n", kind.name(), kind.defaultSeverity().label(), kind.summary());
            }
            out.flush();
            return;
        }
        FindingKind kind = kinds.find(rule).orElseThrow(() -> LockwatchException.usage("no rule is named " + rule
                + "; rules: " + String.join(", ", kinds.names())));
        out.printf("%s (default severity: %s)%n%n%s.%n%n", kind.name(), kind.defaultSeverity().label(),
                capitalized(kind.summary()));
        if (!kind.explanation().equalsIgnoreCase(kind.summary() + ".")) { // the default explanation is the summary
            out.printf("%s%n%n", kind.explanation());
        }
        out.printf("To accept a finding, say why reviewers can let it pass, on the line of the op.* call or the line "
                + "above it (at the top of the file: the whole file):%n  # lockwatch: ignore[%s] reason: ...%n", kind.name());
        out.flush();
    }

    private static String capitalized(String text) {
        return text.isEmpty() ? text : Character.toUpperCase(text.charAt(0)) + text.substring(1);
    }
}
