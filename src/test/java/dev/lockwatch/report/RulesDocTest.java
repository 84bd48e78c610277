package dev.lockwatch.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lockwatch.rules.FindingKind;
import dev.lockwatch.rules.FindingKinds;
import dev.lockwatch.rules.RuleSet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * rules.md says of each rule what {@code lockwatch explain RULE} says: the rule's own summary and explanation
 * stand between {@code <!-- explain:NAME -->} markers in its section. After changing a rule's text, or adding
 * a rule, run {@code mvn test -Dtest=RulesDocTest -Drules.update=true}: the markers are filled in (a missing
 * section is added at the end), and the prose around them is left to you.
 */
class RulesDocTest {
    private static final Path RULES = Path.of("src/site/markdown/rules.md");

    @Test
    void rulesMdSaysWhatExplainSays() throws IOException {
        String doc = Files.readString(RULES);
        String expected = withExplanations(doc);
        if (Boolean.getBoolean("rules.update")) {
            Files.writeString(RULES, expected);
        }
        assertEquals(expected, doc, "rules.md and the rules' texts differ: run mvn test -Dtest=RulesDocTest "
                + "-Drules.update=true and read the diff");
    }

    static String withExplanations(String doc) {
        String result = doc;
        List<String> missing = new ArrayList<>();
        for (FindingKind kind : new FindingKinds(RuleSet.defaults()).all()) {
            String block = "<!-- explain:" + kind.name() + " -->\n" + explained(kind) + "<!-- /explain -->\n";
            Matcher existing = Pattern.compile("<!-- explain:" + Pattern.quote(kind.name()) + " -->\n.*?<!-- /explain -->\n",
                    Pattern.DOTALL).matcher(result);
            String heading = "### " + kind.name() + "\n\n";
            if (existing.find()) {
                result = result.substring(0, existing.start()) + block + result.substring(existing.end());
            } else if (result.contains(heading)) {
                result = result.replace(heading, heading + block + "\n");
            } else {
                missing.add(heading + block);
            }
        }
        return missing.isEmpty() ? result : result.stripTrailing() + "\n\n" + String.join("\n", missing);
    }

    /** What {@code lockwatch explain} prints of a kind, before the suppression advice. */
    private static String explained(FindingKind kind) {
        String summary = kind.summary().isEmpty() ? "" : Character.toUpperCase(kind.summary().charAt(0)) + kind.summary().substring(1);
        String text = "Default severity: **" + kind.defaultSeverity().label().toLowerCase(Locale.ROOT) + "**. " + summary + ".\n";
        if (!kind.explanation().equalsIgnoreCase(kind.summary() + ".")) {
            text += "\n" + kind.explanation() + "\n";
        }
        return text;
    }
}
