package dev.lockwatch.alembic;

import dev.lockwatch.capture.GateProtocol;
import dev.lockwatch.model.SourceLocation;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The comment lockwatch's {@code sitecustomize.py} puts before each statement alembic sends, naming the
 * revision-file line that issued it. The watcher reads it from {@code pg_stat_activity} and strips it, so
 * reports show the statement as the revision wrote it. Before it may come the alembic driver's count of the
 * session's messages ({@code lockwatch_driver.py}'s _MessageTag, read by capture.sql's gates), stripped too.
 */
public final class SourceTag {
    private static final Pattern TAG = Pattern.compile("^\\s*/\\* lockwatch-source (.+?):(\\d+) \\*/ ?", Pattern.DOTALL);
    /** The driver's message count, anywhere in a text that quotes statements as sent (an error message). */
    private static final Pattern MESSAGE_TAG = Pattern.compile(GateProtocol.MESSAGE_TAG);

    private SourceTag() {
    }

    /** The statement without its tag, and where it came from (null when untagged). */
    public record Tagged(String sql, SourceLocation source) {
    }

    public static Tagged strip(String sql) {
        if (sql == null) {
            return new Tagged(null, null);
        }
        Matcher counted = MESSAGE_TAG.matcher(sql);
        if (counted.lookingAt()) {
            sql = sql.substring(counted.end());
        }
        Matcher m = TAG.matcher(sql);
        if (!m.find()) {
            return new Tagged(sql, null);
        }
        return new Tagged(sql.substring(m.end()), new SourceLocation(Path.of(m.group(1)), Integer.parseInt(m.group(2))));
    }

    /** The session's message count the driver put before a statement as sent, when it did. */
    public static OptionalLong messageNumber(String sql) {
        Matcher counted = sql == null ? null : MESSAGE_TAG.matcher(sql);
        return counted != null && counted.lookingAt() ? OptionalLong.of(Long.parseLong(counted.group(1)))
                : OptionalLong.empty();
    }

    /** {@code text} without the driver's message counts, wherever it quotes a statement as sent. */
    public static String withoutMessageTags(String text) {
        return MESSAGE_TAG.matcher(text).replaceAll("");
    }
}
