package dev.lockwatch.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import dev.lockwatch.model.LockwatchException;
import dev.lockwatch.model.TableRef;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * lockwatch's config file: {@code [tool.lockwatch]} in a {@code pyproject.toml}, or the top level of a
 * {@code lockwatch.toml}. Found the way Python tools find theirs: starting in the alembic.ini's folder and
 * going up, the first folder with a {@code lockwatch.toml}, or with a {@code pyproject.toml} that has a
 * {@code [tool.lockwatch]} table, wins ({@code lockwatch.toml} first within a folder); the search stops after
 * the folder holding {@code .git}, or at the filesystem root. One file is used, never merged with another, and
 * only one {@link ConfigTrust} trusts: a file owned by another user is ignored with a note (and no other used).
 *
 * <p>Keys are the long options of {@code lockwatch verify} ({@code pg-version = "15"}, {@code busy-table =
 * ["orders"]}); {@code allow} holds the config-level suppressions. The command line overrides the file.
 *
 * @param values the option keys in file order, {@code allow} excluded
 */
public record Settings(Path file, String table, Map<String, JsonNode> values, List<Allowance> allowances) {
    public static final String PYPROJECT = "pyproject.toml";
    public static final String LOCKWATCH_TOML = "lockwatch.toml";
    public static final String ALLOW = "allow";
    private static final Set<String> ALLOWANCE_KEYS = Set.of("rule", "table", "revision", "reason");

    public Settings {
        values = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(values));
        allowances = List.copyOf(allowances);
    }

    /** How errors and progress name the file, e.g. {@code /repo/pyproject.toml [tool.lockwatch]}. */
    public String describe() {
        return file + (table.isEmpty() ? "" : " " + table);
    }

    /** The folder relative paths in the file are resolved against. */
    public Path folder() {
        return file.getParent();
    }

    /** @param notes told when the file found is not trusted, and so not used */
    public static Optional<Settings> find(Path iniFolder, ConfigTrust trust, java.util.function.Consumer<String> notes) {
        for (Path folder = iniFolder.toAbsolutePath().normalize(); folder != null; folder = folder.getParent()) {
            Path own = folder.resolve(LOCKWATCH_TOML);
            if (Files.isRegularFile(own)) {
                return trusted(own, trust, notes).map(file -> parse(file, "", read(file)));
            }
            Path pyproject = folder.resolve(PYPROJECT);
            if (Files.isRegularFile(pyproject)) {
                JsonNode tool = read(pyproject).path("tool").path("lockwatch");
                if (!tool.isMissingNode()) {
                    return trusted(pyproject, trust, notes).map(file -> parse(file, "[tool.lockwatch]", tool));
                }
            }
            if (Files.exists(folder.resolve(".git"))) {
                break;
            }
        }
        return Optional.empty();
    }

    private static Optional<Path> trusted(Path file, ConfigTrust trust, java.util.function.Consumer<String> notes) {
        Optional<String> refusal = trust.refusal(file);
        refusal.ifPresent(notes);
        return refusal.isPresent() ? Optional.empty() : Optional.of(file);
    }

    private static JsonNode read(Path file) {
        try {
            return new TomlMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw LockwatchException.usage(file + " is not valid TOML: " + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    static Settings parse(Path file, String table, JsonNode root) {
        String where = file + (table.isEmpty() ? "" : " " + table);
        if (!root.isObject()) {
            throw LockwatchException.usage(where + " must be a table of settings");
        }
        Map<String, JsonNode> values = new LinkedHashMap<>();
        List<Allowance> allowances = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            if (entry.getKey().equals(ALLOW)) {
                allowances.addAll(allowances(file, where, entry.getValue()));
            } else {
                values.put(entry.getKey(), entry.getValue());
            }
        }
        return new Settings(file, table, values, allowances);
    }

    private static List<Allowance> allowances(Path file, String where, JsonNode allow) {
        if (!allow.isArray()) {
            throw LockwatchException.usage(where + ": allow must be a list of tables, e.g. allow = [{ rule = "
                    + "\"non-concurrent-index\", table = \"audit_log\", reason = \"...\" }]");
        }
        List<Allowance> result = new ArrayList<>();
        for (int i = 0; i < allow.size(); i++) {
            JsonNode entry = allow.get(i);
            String origin = file.getFileName() + (where.endsWith("]") ? " [tool.lockwatch]" : "") + " allow[" + i + "]";
            String at = where + ": allow[" + i + "]";
            if (!entry.isObject()) {
                throw LockwatchException.usage(at + " must be a table { rule = ..., table = ..., reason = ... }");
            }
            entry.fieldNames().forEachRemaining(key -> {
                if (!ALLOWANCE_KEYS.contains(key)) {
                    throw LockwatchException.usage(at + ": unknown key '" + key + "' (keys: rule, table, revision, reason)");
                }
            });
            List<String> rules = new ArrayList<>();
            JsonNode rule = entry.path("rule");
            if (rule.isTextual()) {
                rules.add(rule.asText());
            } else if (rule.isArray()) {
                rule.forEach(r -> rules.add(r.asText()));
            }
            if (rules.isEmpty()) {
                throw LockwatchException.usage(at + " names no rule: add rule = \"RULE\" (see lockwatch explain)");
            }
            String table = text(entry, "table");
            String revision = text(entry, "revision");
            if (table == null && revision == null) {
                throw LockwatchException.usage(at + " names neither a table nor a revision: add table = \"...\" or revision = \"...\"");
            }
            String reason = text(entry, "reason");
            if (reason == null || reason.isBlank()) {
                throw LockwatchException.usage(at + " has no reason: add reason = \"...\" saying why the finding is safe");
            }
            result.add(new Allowance(rules, table == null ? null : TableRef.parse(table), revision, reason, origin, file));
        }
        return result;
    }

    private static String text(JsonNode entry, String key) {
        JsonNode value = entry.get(key);
        return value == null || value.isNull() ? null : value.asText();
    }
}
