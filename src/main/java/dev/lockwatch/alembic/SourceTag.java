package dev.lockwatch.alembic;

import dev.lockwatch.model.SourceLocation;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The comment lockwatch's {@code sitecustomize.py} puts before each statement alembic sends, naming the
 * revision-file line that issued it. The watcher reads it from {@code pg_stat_activity} and strips it, so
 * reports show the statement as the revision wrote it.
 */
public final class SourceTag {
    private static final Pattern TAG = Pattern.compile("^\\s*/\\* lockwatch-source (.+?):(\\d+) \\*/ ?", Pattern.DOTALL);

    private SourceTag() {
    }

    /** The statement without its tag, and where it came from (null when untagged). */
    public record Tagged(String sql, SourceLocation source) {
    }

    public static Tagged strip(String sql) {
        if (sql == null) {
            return new Tagged(null, null);
        }
        Matcher m = TAG.matcher(sql);
        if (!m.find()) {
            return new Tagged(sql, null);
        }
        return new Tagged(sql.substring(m.end()), new SourceLocation(Path.of(m.group(1)), Integer.parseInt(m.group(2))));
    }
}
