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

    /**
     * The statement without its tags, where it came from (null when untagged), and the session's message count the
     * driver put before it as sent (empty when it did not).
     */
    public record Tagged(String sql, SourceLocation source, OptionalLong message) {
    }

    public static Tagged strip(String sql) {
        if (sql == null) {
            return new Tagged(null, null, OptionalLong.empty());
        }
        Matcher counted = MESSAGE_TAG.matcher(sql);
        OptionalLong message = OptionalLong.empty();
        if (counted.lookingAt()) {
            message = OptionalLong.of(Long.parseLong(counted.group(1)));
            sql = sql.substring(counted.end());
        }
        Matcher m = TAG.matcher(sql);
        if (!m.find()) {
            return new Tagged(sql, null, message);
        }
        return new Tagged(sql.substring(m.end()), new SourceLocation(Path.of(m.group(1)), Integer.parseInt(m.group(2))),
                message);
    }

    /** {@code text} without the driver's message counts, wherever it quotes a statement as sent. */
    public static String withoutMessageTags(String text) {
        return MESSAGE_TAG.matcher(text).replaceAll("");
    }
}
