package dev.lockwatch.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Passes a plain pg_dump script on to psql without what would leave the scratch database or need roles that
 * exist only in production: every psql meta-command, wherever psql would see one (indented, after a statement
 * on the same line: {@code \connect}, {@code \!}, pg_dump's own {@code \restrict} pair, which lockwatch replaces
 * with its own), CREATE/ALTER/DROP DATABASE, ownership and privileges (what pg_restore's --no-owner
 * --no-privileges skip). Function bodies, strings and COPY data pass untouched: the filter follows quoting,
 * dollar quoting, comments and COPY blocks. What it cannot see (psql lexes strings differently with
 * standard_conforming_strings off) psql's restricted mode refuses: see {@link DumpRestore}.
 */
final class PlainDumpFilter {
    private static final List<Pattern> DROPPED = List.of(
            Pattern.compile("^(CREATE|ALTER|DROP) DATABASE\\b.*;\\s*$"),
            Pattern.compile("^ALTER [A-Z ]+ .* OWNER TO .*;\\s*$"),
            Pattern.compile("^(GRANT|REVOKE) .*;\\s*$"),
            Pattern.compile("^ALTER DEFAULT PRIVILEGES .*;\\s*$"));
    private static final Pattern RESTRICT = Pattern.compile("^\\s*\\\\(un)?restrict\\s+[A-Za-z0-9]+\\s*$");
    private static final Pattern META_NAME = Pattern.compile("\\\\[^\\s\\\\]*");
    private static final Pattern COPY_FROM_STDIN = Pattern.compile("^COPY .* FROM stdin;\\s*$");

    private enum State { NORMAL, QUOTE, ESCAPE_QUOTE, IDENTIFIER, DOLLAR, COMMENT }

    private State state = State.NORMAL;
    private String dollarTag;
    private int commentDepth;
    private boolean statementStart = true;
    private boolean copyData;
    private int dropped;
    /** The meta-commands left out, e.g. {@code \connect}, each once, in the order met. */
    private final java.util.Set<String> metaCommands = new java.util.LinkedHashSet<>();

    /** Copies {@code in} to {@code out}, bytes kept as they are (ISO-8859-1 maps each byte to one char). */
    void filter(InputStream in, OutputStream out) throws IOException {
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.ISO_8859_1), 1 << 16);
        Writer writer = new OutputStreamWriter(out, StandardCharsets.ISO_8859_1);
        for (String line; (line = reader.readLine()) != null; ) {
            String kept = keep(line);
            if (kept != null) {
                writer.write(kept);
                writer.write('\n');
            }
        }
        writer.flush();
    }

    /** The psql meta-commands the dump held and the filter left out (pg_dump's \restrict pair not counted). */
    java.util.Set<String> metaCommands() {
        return metaCommands;
    }

    /** The line as psql gets it, or null to leave it out. */
    String keep(String line) {
        if (copyData) {
            copyData = !line.equals("\\.");
            return line;
        }
        boolean atStatementLevel = state == State.NORMAL && statementStart;
        if (atStatementLevel && RESTRICT.matcher(line).matches()) {
            dropped++;
            return null;
        }
        if (atStatementLevel && DROPPED.stream().anyMatch(p -> p.matcher(line).find())) {
            dropped++;
            return null;
        }
        if (atStatementLevel && COPY_FROM_STDIN.matcher(line).matches()) {
            copyData = true;
            return line;
        }
        int meta = lex(line);
        if (meta < 0) {
            return line;
        }
        dropped++;
        java.util.regex.Matcher name = META_NAME.matcher(line);
        metaCommands.add(name.find(meta) ? name.group() : "\\");
        String before = line.substring(0, meta);
        return before.isBlank() ? null : before;
    }

    /** Follows the line's quoting; returns where a psql meta-command starts (a backslash in plain SQL), or -1. */
    private int lex(String line) {
        int i = 0;
        while (i < line.length()) {
            char c = line.charAt(i);
            switch (state) {
                case NORMAL -> {
                    if (c == '-' && line.startsWith("--", i)) {
                        return -1; // the rest of the line is a comment
                    }
                    if (c == '\\') {
                        return i; // psql reads the rest of the line as a meta-command
                    }
                    if (c == '/' && line.startsWith("/*", i)) {
                        state = State.COMMENT;
                        commentDepth = 1;
                        i += 2;
                        continue;
                    }
                    if (c == ';') {
                        statementStart = true;
                    } else if (!Character.isWhitespace(c)) {
                        statementStart = false;
                        if (c == '\'') {
                            boolean escape = i > 0 && (line.charAt(i - 1) == 'E' || line.charAt(i - 1) == 'e');
                            state = escape ? State.ESCAPE_QUOTE : State.QUOTE;
                        } else if (c == '"') {
                            state = State.IDENTIFIER;
                        } else if (c == '$') {
                            int end = dollarTagEnd(line, i);
                            if (end > 0) {
                                dollarTag = line.substring(i, end + 1);
                                state = State.DOLLAR;
                                i = end + 1;
                                continue;
                            }
                        }
                    }
                }
                case QUOTE, IDENTIFIER -> {
                    char close = state == State.QUOTE ? '\'' : '"';
                    if (c == close) {
                        if (i + 1 < line.length() && line.charAt(i + 1) == close) {
                            i++; // a doubled quote stands for itself
                        } else {
                            state = State.NORMAL;
                        }
                    }
                }
                case ESCAPE_QUOTE -> {
                    if (c == '\\') {
                        i++;
                    } else if (c == '\'') {
                        if (i + 1 < line.length() && line.charAt(i + 1) == '\'') {
                            i++;
                        } else {
                            state = State.NORMAL;
                        }
                    }
                }
                case DOLLAR -> {
                    if (line.startsWith(dollarTag, i)) {
                        i += dollarTag.length();
                        state = State.NORMAL;
                        continue;
                    }
                }
                case COMMENT -> {
                    if (line.startsWith("*/", i)) {
                        i += 2;
                        if (--commentDepth == 0) {
                            state = State.NORMAL;
                        }
                        continue;
                    }
                    if (line.startsWith("/*", i)) {
                        commentDepth++;
                        i += 2;
                        continue;
                    }
                }
                default -> throw new IllegalStateException(state.name());
            }
            i++;
        }
        return -1;
    }

    /** The index of the closing {@code $} of a dollar-quote tag starting at {@code start}, or -1 ({@code $1} etc.). */
    private static int dollarTagEnd(String line, int start) {
        if (start > 0 && (Character.isLetterOrDigit(line.charAt(start - 1)) || line.charAt(start - 1) == '_')) {
            return -1; // part of an identifier such as a$b
        }
        for (int i = start + 1; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '$') {
                return i;
            }
            if (!(Character.isLetter(c) || c == '_' || (i > start + 1 && Character.isDigit(c)))) {
                return -1;
            }
        }
        return -1;
    }
}
