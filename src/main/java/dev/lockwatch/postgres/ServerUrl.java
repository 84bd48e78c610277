package dev.lockwatch.postgres;

import dev.lockwatch.model.DatabaseTarget;
import dev.lockwatch.model.LockwatchException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * {@code --server-url}, read the way libpq reads a connection string, so what works with psql works here: a
 * {@code postgresql://} or {@code postgres://} URL (percent-encoding anywhere, query parameters that override
 * the other parts) or {@code key=value} pairs. The one liberty: the last {@code @} before the path separates
 * the host, so Azure's {@code user@server} logins and an unencoded {@code @} in a password work. The same parse
 * connects and describes the server in messages, so no shape of URL can print its password.
 *
 * @param password empty when neither the URL nor PGPASSWORD gives one
 * @param ssl      libpq's ssl* parameters, passed on to JDBC and libpq as they are
 */
public record ServerUrl(String host, int port, String database, String user, String password, Map<String, String> ssl) {
    private static final Set<String> SSL_KEYS = Set.of("sslmode", "sslrootcert", "sslcert", "sslkey");
    private static final String KEYS = "host, port, dbname, user, password, sslmode, sslrootcert, sslcert, sslkey";
    private static final String EXAMPLE = "postgresql://user:password@host:5432/postgres or host=... user=... pairs";

    public ServerUrl {
        ssl = Map.copyOf(ssl);
    }

    /** @param defaultUser and {@code defaultPassword} are libpq's: the caller's login name and PGPASSWORD */
    public static ServerUrl parse(String text, String defaultUser, String defaultPassword) {
        Map<String, String> parts = new LinkedHashMap<>();
        String trimmed = text.strip();
        String url = trimmed.startsWith("jdbc:") ? trimmed.substring(5) : trimmed;
        int scheme = url.indexOf("://");
        if (scheme >= 0) {
            String name = url.substring(0, scheme);
            if (!name.equals("postgresql") && !name.equals("postgres")) {
                throw usage("must start with postgresql:// or postgres://"
                        + (name.matches("[A-Za-z][A-Za-z0-9+.-]*") ? ", not " + name + "://" : "") + ": " + EXAMPLE);
            }
            uri(url.substring(scheme + 3), parts);
        } else if (url.contains("=")) {
            conninfo(url, parts);
        } else {
            throw usage("is neither a URL nor key=value pairs: give " + EXAMPLE);
        }
        Map<String, String> ssl = new TreeMap<>();
        parts.forEach((key, value) -> {
            if (SSL_KEYS.contains(key)) {
                ssl.put(key, value);
            } else if (!Set.of("host", "hostaddr", "port", "dbname", "user", "password").contains(key)) {
                throw usage("has parameter '" + safeKey(key) + "', which lockwatch does not use; it takes " + KEYS);
            }
        });
        String host = parts.getOrDefault("host", parts.getOrDefault("hostaddr", ""));
        if (host.isEmpty() || host.startsWith("/")) {
            throw usage("names no host: lockwatch connects over TCP, e.g. " + EXAMPLE);
        }
        if (host.contains(",")) {
            throw usage("names several hosts: give the one lockwatch may create its scratch database on");
        }
        String database = parts.getOrDefault("dbname", "");
        return new ServerUrl(host, port(parts.getOrDefault("port", "")), database.isEmpty() ? "postgres" : database,
                parts.getOrDefault("user", defaultUser), parts.getOrDefault("password", defaultPassword), ssl);
    }

    /** The server {@code text} names, for messages: never its password, and nothing of it when it cannot be read. */
    public static String redact(String text) {
        try {
            return parse(text, "", "").describe();
        } catch (LockwatchException unreadable) {
            return "(a --server-url lockwatch cannot read, not shown: it may hold a password)";
        }
    }

    /**
     * {@code text} (a command-line error, which quotes what was typed) with every argument that may hold a
     * password, such as a mistyped option's URL, replaced by its {@link #redact redaction}.
     */
    public static String withoutPasswords(String text, String... args) {
        String result = text;
        for (String arg : args) {
            String value = arg.startsWith("-") && arg.contains("=") ? arg.substring(arg.indexOf('=') + 1) : arg;
            if (value.contains("://") || value.toLowerCase(java.util.Locale.ROOT).contains("password")) {
                result = result.replace(value, redact(value));
            }
        }
        return result;
    }

    /** {@code postgresql://user@host:port/database}, without the password. */
    public String describe() {
        return target().toString();
    }

    public DatabaseTarget target() {
        return new DatabaseTarget(host, port, database, user, password, ssl);
    }

    private static void uri(String rest, Map<String, String> parts) {
        int query = rest.indexOf('?');
        String hierarchy = query < 0 ? rest : rest.substring(0, query);
        int at = hierarchy.lastIndexOf('@');
        if (at >= 0) {
            String userInfo = hierarchy.substring(0, at);
            int colon = userInfo.indexOf(':');
            putNonEmpty(parts, "user", decode(colon < 0 ? userInfo : userInfo.substring(0, colon)));
            if (colon >= 0) {
                parts.put("password", decode(userInfo.substring(colon + 1)));
            }
        }
        String location = hierarchy.substring(at + 1);
        int slash = location.indexOf('/');
        String hostPort = slash < 0 ? location : location.substring(0, slash);
        if (slash >= 0) {
            putNonEmpty(parts, "dbname", decode(location.substring(slash + 1)));
        }
        int portColon;
        if (hostPort.startsWith("[")) {
            int close = hostPort.indexOf(']');
            if (close < 0) {
                throw usage("has an IPv6 host without its closing ]");
            }
            putNonEmpty(parts, "host", hostPort.substring(1, close));
            portColon = hostPort.indexOf(':', close);
        } else {
            portColon = hostPort.lastIndexOf(':');
            putNonEmpty(parts, "host", decode(portColon < 0 ? hostPort : hostPort.substring(0, portColon)));
        }
        if (portColon >= 0) {
            putNonEmpty(parts, "port", decode(hostPort.substring(portColon + 1)));
        }
        if (query >= 0) {
            for (String pair : rest.substring(query + 1).split("&")) {
                int equals = pair.indexOf('=');
                if (equals < 0) {
                    throw usage("has query parameter '" + safeKey(decode(pair)) + "' without a value");
                }
                parts.put(decode(pair.substring(0, equals)), decode(pair.substring(equals + 1)));
            }
        }
    }

    /** libpq's {@code key = value} pairs: values in single quotes or up to the next blank, {@code \} escaping. */
    private static void conninfo(String text, Map<String, String> parts) {
        int i = 0;
        while (true) {
            while (i < text.length() && Character.isWhitespace(text.charAt(i))) {
                i++;
            }
            if (i >= text.length()) {
                return;
            }
            int keyStart = i;
            while (i < text.length() && text.charAt(i) != '=' && !Character.isWhitespace(text.charAt(i))) {
                i++;
            }
            String key = text.substring(keyStart, i);
            while (i < text.length() && Character.isWhitespace(text.charAt(i))) {
                i++;
            }
            if (i >= text.length() || text.charAt(i) != '=') {
                throw usage("has '" + safeKey(key) + "' without = and a value: give " + EXAMPLE);
            }
            i++;
            while (i < text.length() && Character.isWhitespace(text.charAt(i))) {
                i++;
            }
            StringBuilder value = new StringBuilder();
            boolean quoted = i < text.length() && text.charAt(i) == '\'';
            if (quoted) {
                i++;
            }
            while (true) {
                if (i >= text.length()) {
                    if (quoted) {
                        throw usage("has a quoted value of " + safeKey(key) + " without its closing quote");
                    }
                    break;
                }
                char c = text.charAt(i);
                if (quoted ? c == '\'' : Character.isWhitespace(c)) {
                    i++;
                    break;
                }
                if (c == '\\' && i + 1 < text.length()) {
                    c = text.charAt(++i);
                }
                value.append(c);
                i++;
            }
            parts.put(key, value.toString());
        }
    }

    private static int port(String text) {
        if (text.isEmpty()) {
            return 5432;
        }
        if (!text.matches("\\d{1,5}") || Integer.parseInt(text) < 1 || Integer.parseInt(text) > 65535) {
            throw usage("has a port that is not a number from 1 to 65535");
        }
        return Integer.parseInt(text);
    }

    /** Percent-decoding as libpq does it: {@code +} stays a plus, a stray {@code %} is an error. */
    private static String decode(String text) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '%') {
                if (i + 2 >= text.length() || Character.digit(text.charAt(i + 1), 16) < 0
                        || Character.digit(text.charAt(i + 2), 16) < 0) {
                    throw usage("has a % not followed by two hex digits: write a literal % as %25");
                }
                bytes.write(Integer.parseInt(text.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                bytes.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private static void putNonEmpty(Map<String, String> parts, String key, String value) {
        if (!value.isEmpty()) {
            parts.put(key, value);
        }
    }

    /** A key for a message: only when it looks like one, as a mistyped pair could hold a password. */
    private static String safeKey(String key) {
        return key.matches("[A-Za-z_]{1,40}") ? key : "?";
    }

    private static LockwatchException usage(String problem) {
        return LockwatchException.usage("--server-url " + problem);
    }
}
