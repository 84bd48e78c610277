package dev.lockwatch.report;

import dev.lockwatch.model.VerifyReport;
import java.io.IOException;
import java.io.Writer;

/** Writes a report in one format. Reporters present verdicts; they never compute them. */
public interface Reporter {

    void write(VerifyReport report, Writer out) throws IOException;
}
