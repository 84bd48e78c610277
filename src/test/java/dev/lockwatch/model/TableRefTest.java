package dev.lockwatch.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Tables sort as their schema-qualified names do, whichever way compareTo takes. */
class TableRefTest {
    @Test
    void tablesSortAsTheirQualifiedNames() {
        List<TableRef> tables = List.of(new TableRef("public", "orders"), new TableRef("public", "order"),
                new TableRef("public", "orders_2"), new TableRef("public", "Orders"), new TableRef("public2", "a"),
                new TableRef("public", "a.b"), new TableRef("pub", "lic.z"), new TableRef("public", ""),
                new TableRef("a", "b"), new TableRef("a.b", "c"), new TableRef("a", "b.c"), new TableRef("", "x"));
        for (TableRef a : tables) {
            for (TableRef b : tables) {
                assertEquals(Integer.signum(a.toString().compareTo(b.toString())), Integer.signum(a.compareTo(b)),
                        a + " vs " + b);
            }
        }
    }
}
