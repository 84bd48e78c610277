package dev.lockwatch.cli;

import dev.lockwatch.model.LockwatchException;
import java.util.ArrayList;
import java.util.List;

/** Splits a command such as {@code poetry run alembic} or {@code "/opt/my venv/bin/alembic"} into words. */
final class ShellWords {
    private ShellWords() {
    }

    static List<String> split(String command, String option) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        char quote = 0;
        for (int i = 0; i < command.length(); i++) {
            char c = command.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else if (c == '\\' && quote == '"' && i + 1 < command.length()) {
                    word.append(command.charAt(++i));
                } else {
                    word.append(c);
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
                inWord = true;
            } else if (c == '\\' && i + 1 < command.length()) {
                word.append(command.charAt(++i));
                inWord = true;
            } else if (Character.isWhitespace(c)) {
                if (inWord) {
                    words.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
            } else {
                word.append(c);
                inWord = true;
            }
        }
        if (quote != 0) {
            throw LockwatchException.usage(option + " has an unclosed " + quote + " quote: " + command);
        }
        if (inWord) {
            words.add(word.toString());
        }
        if (words.isEmpty()) {
            throw LockwatchException.usage(option + " is empty: give the command that runs alembic, e.g. \"poetry run alembic\"");
        }
        return words;
    }
}
