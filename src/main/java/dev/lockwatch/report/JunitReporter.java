package dev.lockwatch.report;

import dev.lockwatch.model.Finding;
import dev.lockwatch.model.RevisionResult;
import dev.lockwatch.model.RevisionRun;
import dev.lockwatch.model.RevisionStatus;
import dev.lockwatch.model.Severity;
import dev.lockwatch.model.Suppression;
import dev.lockwatch.model.VerifyReport;
import java.io.IOException;
import java.io.Writer;
import java.util.List;
import java.util.Locale;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;

/**
 * JUnit XML for CI test-report views (GitLab, Jenkins, GitHub test reporters): one test case per revision, failed
 * by its unsuppressed error findings, skipped when it did not run; chain findings form a test case of their
 * own. Warnings and suppressed findings go to the test case's system-out.
 */
public final class JunitReporter implements Reporter {

    @Override
    public void write(VerifyReport report, Writer out) throws IOException {
        try {
            XMLStreamWriter xml = XMLOutputFactory.newFactory().createXMLStreamWriter(out);
            xml.writeStartDocument("UTF-8", "1.0");
            xml.writeCharacters("\n");
            int tests = report.revisions().size() + (report.chainFindings().isEmpty() ? 0 : 1);
            long failures = report.revisions().stream().filter(RevisionResult::hasErrors).count()
                    + (report.chainFindings().stream().anyMatch(f -> f.counts(Severity.ERROR)) ? 1 : 0);
            long skipped = report.count(RevisionStatus.NOT_RUN);
            String seconds = seconds(report.revisions().stream().mapToLong(r -> r.run().durationMs()).sum());
            xml.writeStartElement("testsuites");
            counts(xml, "lockwatch", tests, failures, skipped, seconds);
            xml.writeCharacters("\n  ");
            xml.writeStartElement("testsuite");
            counts(xml, "lockwatch verify", tests, failures, skipped, seconds);
            if (!report.chainFindings().isEmpty()) {
                testCase(xml, report, "lockwatch.chain", "revision history", null, 0, report.chainFindings(), null);
            }
            for (RevisionResult result : report.revisions()) {
                RevisionRun run = result.run();
                String file = report.repositoryFile(run.revision().file());
                testCase(xml, report, "lockwatch." + file, run.revision().id() + " " + run.revision().message(), file,
                        run.durationMs(), result.shown(), run.status() == RevisionStatus.NOT_RUN
                                ? "not run: an earlier revision failed" : null);
            }
            xml.writeCharacters("\n  ");
            xml.writeEndElement();
            xml.writeCharacters("\n");
            xml.writeEndElement();
            xml.writeCharacters("\n");
            xml.writeEndDocument();
            xml.flush();
        } catch (XMLStreamException e) {
            throw new IOException("cannot write JUnit XML: " + e.getMessage(), e);
        }
    }

    private static void counts(XMLStreamWriter xml, String name, int tests, long failures, long skipped, String time)
            throws XMLStreamException {
        xml.writeAttribute("name", name);
        xml.writeAttribute("tests", Integer.toString(tests));
        xml.writeAttribute("failures", Long.toString(failures));
        xml.writeAttribute("errors", "0");
        xml.writeAttribute("skipped", Long.toString(skipped));
        xml.writeAttribute("time", time);
    }

    private static void testCase(XMLStreamWriter xml, VerifyReport report, String className, String name, String file,
                                 long durationMs, List<Finding> findings, String skipped) throws XMLStreamException {
        xml.writeCharacters("\n    ");
        xml.writeStartElement("testcase");
        xml.writeAttribute("classname", className);
        xml.writeAttribute("name", name);
        if (file != null) {
            xml.writeAttribute("file", file);
        }
        xml.writeAttribute("time", seconds(durationMs));
        List<Finding> errors = findings.stream().filter(f -> f.counts(Severity.ERROR)).toList();
        if (skipped != null) {
            xml.writeCharacters("\n      ");
            xml.writeEmptyElement("skipped");
            xml.writeAttribute("message", skipped);
        } else if (!errors.isEmpty()) {
            xml.writeCharacters("\n      ");
            xml.writeStartElement("failure");
            xml.writeAttribute("type", errors.get(0).rule().name());
            xml.writeAttribute("message", errors.size() + " error(s): " + errors.get(0).message());
            xml.writeCharacters(describe(report, errors));
            xml.writeEndElement();
        }
        List<Finding> others = findings.stream().filter(f -> !f.counts(Severity.ERROR)).toList();
        if (!others.isEmpty()) {
            xml.writeCharacters("\n      ");
            xml.writeStartElement("system-out");
            xml.writeCharacters(describe(report, others));
            xml.writeEndElement();
        }
        xml.writeCharacters("\n    ");
        xml.writeEndElement();
    }

    private static String describe(VerifyReport report, List<Finding> findings) {
        StringBuilder text = new StringBuilder();
        for (Finding f : findings) {
            text.append(f.suppressed() ? "SUPPRESSED " : "").append(f.severity().label().toUpperCase(Locale.ROOT))
                    .append(" [").append(f.rule().name()).append("] ").append(Texts.where(report, f)).append('\n')
                    .append("  ").append(f.message()).append('\n');
            if (f.suppression().isPresent()) {
                Suppression suppression = f.suppression().get();
                text.append("  reason: ").append(suppression.reason()).append(" (").append(suppression.origin()).append(")\n");
            } else if (f.hint().isPresent()) {
                text.append("  fix: ").append(f.hint().get()).append('\n');
            }
        }
        return text.toString();
    }

    private static String seconds(long ms) {
        return String.format(Locale.ROOT, "%.3f", ms / 1000.0);
    }
}
