package dev.lockwatch.watch;

import dev.lockwatch.model.SchemaSnapshot;
import dev.lockwatch.model.TableRef;
import dev.lockwatch.model.TableSchema;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** The tables of a snapshot by oid: how pg_locks' relation numbers become table names. */
public final class Catalog {
    private final Map<Long, TableRef> tables = new HashMap<>();
    private final SchemaSnapshot snapshot;

    private Catalog(SchemaSnapshot snapshot) {
        this.snapshot = snapshot;
        for (TableSchema table : snapshot.tables().values()) {
            tables.put(table.oid(), table.table());
        }
    }

    /** The tables that existed when {@code snapshot} was read: what "pre-existing" means for a revision. */
    public static Catalog of(SchemaSnapshot snapshot) {
        return new Catalog(snapshot);
    }

    /** The schema it was made from. */
    public SchemaSnapshot snapshot() {
        return snapshot;
    }

    public Optional<TableRef> table(long oid) {
        return Optional.ofNullable(tables.get(oid));
    }
}
