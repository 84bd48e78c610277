package dev.lockwatch.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Workflow-command escaping, as the GitHub Actions runner decodes it. */
class GithubReporterTest {
    @Test
    void messagesEscapePercentAndLineBreaks() {
        assertEquals("100%25 done%0D%0Anext: a, b", GithubReporter.data("100% done\r\nnext: a, b"));
    }

    @Test
    void propertiesAlsoEscapeColonsAndCommas() {
        assertEquals("lockwatch non-concurrent-index%3A a%2C b%25%0A", GithubReporter.property("lockwatch non-concurrent-index: a, b%\n"));
    }
}
