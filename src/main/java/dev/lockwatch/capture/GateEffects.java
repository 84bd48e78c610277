package dev.lockwatch.capture;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lockwatch.model.TableRef;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What a migration session read about its own statement at a gate (capture.sql's {@code lockwatch.effects}), in its
 * own transaction, which alone sees its uncommitted catalog: the server's list of commands and dropped objects, and
 * the state of each table the statement touched, by oid. {@link StatementEffectsDiff} turns successive states into
 * what each statement changed.
 *
 * @param reported whether the gate reported effects at all (a poll, or a gate before lockwatch read them, does not)
 * @param scans    seq_scan of tables in the migration's transaction so far (pg_stat_xact_user_tables), by oid
 */
public record GateEffects(boolean reported, List<Command> commands, List<Dropped> dropped, List<TableState> tables,
                          Map<Long, Long> scans) {
    public static final GateEffects NONE = new GateEffects(false, List.of(), List.of(), List.of(), Map.of());

    public GateEffects {
        commands = List.copyOf(commands);
        dropped = List.copyOf(dropped);
        tables = List.copyOf(tables);
        scans = Map.copyOf(scans);
    }

    /** A row of pg_event_trigger_ddl_commands(). */
    public record Command(String catalog, long objid, int objsubid, String commandTag, String objectType,
                          String identity) {
    }

    /** A row of pg_event_trigger_dropped_objects(); {@code original}: named by the command, not dropped by cascade. */
    public record Dropped(String catalog, long objid, int objsubid, String objectType, String identity,
                          boolean original) {
    }

    /** A table as the statement left it. */
    public record TableState(long oid, TableRef table, long filenode, Map<Integer, ColumnState> columns,
                             Map<Long, ConstraintState> constraints, Map<Long, IndexState> indexes) {
        public TableState {
            columns = Map.copyOf(columns);
            constraints = Map.copyOf(constraints);
            indexes = Map.copyOf(indexes);
        }
    }

    /** A column by attnum; its type by oid and typmod, so a renamed type is the same type. */
    public record ColumnState(int attnum, String name, boolean notNull, long typeOid, int typmod, String type) {
    }

    /**
     * A constraint by oid.
     *
     * @param kind       pg_constraint.contype: c, f, p, u, x
     * @param referenced the referenced table's oid for a foreign key, else 0
     * @param definition pg_get_constraintdef for a CHECK, else empty
     * @param columns    the constrained columns' attnums, in key order
     */
    public record ConstraintState(long oid, String name, char kind, boolean validated, long referenced,
                                  String definition, List<Integer> columns) {
        public ConstraintState {
            columns = List.copyOf(columns);
        }
    }

    /** An index by oid, with its storage: a new relfilenode is a build. */
    public record IndexState(long oid, String name, long filenode) {
    }

    /** Reads the {@code effects} field of a gate report; {@link #NONE} when absent. */
    public static GateEffects parse(JsonNode effects) {
        if (effects == null || !effects.isObject()) {
            return NONE;
        }
        List<Command> commands = new ArrayList<>();
        for (JsonNode c : effects.path("commands")) {
            commands.add(new Command(c.path(0).asText(), c.path(1).asLong(), c.path(2).asInt(), c.path(3).asText(),
                    c.path(4).asText(), c.path(5).asText()));
        }
        List<Dropped> dropped = new ArrayList<>();
        for (JsonNode d : effects.path("dropped")) {
            dropped.add(new Dropped(d.path(0).asText(), d.path(1).asLong(), d.path(2).asInt(), d.path(3).asText(),
                    d.path(4).asText(), d.path(5).asBoolean()));
        }
        List<TableState> tables = new ArrayList<>();
        for (JsonNode t : effects.path("tables")) {
            Map<Integer, ColumnState> columns = new HashMap<>();
            for (JsonNode c : t.path("columns")) {
                columns.put(c.path(0).asInt(), new ColumnState(c.path(0).asInt(), c.path(1).asText(),
                        c.path(2).asBoolean(), c.path(3).asLong(), c.path(4).asInt(), c.path(5).asText()));
            }
            Map<Long, ConstraintState> constraints = new HashMap<>();
            for (JsonNode c : t.path("constraints")) {
                String kind = c.path(2).asText();
                constraints.put(c.path(0).asLong(), new ConstraintState(c.path(0).asLong(), c.path(1).asText(),
                        kind.isEmpty() ? '?' : kind.charAt(0), c.path(3).asBoolean(), c.path(4).asLong(),
                        c.path(5).asText(""), attnums(c.path(6).asText(""))));
            }
            Map<Long, IndexState> indexes = new HashMap<>();
            for (JsonNode i : t.path("indexes")) {
                indexes.put(i.path(0).asLong(), new IndexState(i.path(0).asLong(), i.path(1).asText(),
                        i.path(2).asLong()));
            }
            tables.add(new TableState(t.path("oid").asLong(), new TableRef(t.path("schema").asText(),
                    t.path("name").asText()), t.path("filenode").asLong(), columns, constraints, indexes));
        }
        Map<Long, Long> scans = new HashMap<>();
        for (JsonNode s : effects.path("scans")) {
            scans.put(s.path(0).asLong(), s.path(1).asLong());
        }
        return new GateEffects(true, commands, dropped, tables, scans);
    }

    /** {@code "2 3"} as attnums. */
    static List<Integer> attnums(String list) {
        return list.isBlank() ? List.of() : java.util.Arrays.stream(list.trim().split(" ")).map(Integer::valueOf).toList();
    }
}
