package dev.lockwatch.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lockwatch.model.Finding;
import dev.lockwatch.model.TableRef;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PartitionAttachScanRuleTest {
    private final PartitionAttachScanRule rule = new PartitionAttachScanRule();
    private static final String ATTACH = "ALTER TABLE events ATTACH PARTITION events_2024 FOR VALUES FROM (1) TO (100)";

    @Test
    void attachingABusyTableWithoutAProvingCheckScansIt() {
        List<Finding> findings = rule.check(Runs.revision().existing("events", "partitioned table", 0)
                .existing("events_2024", 500).ddl(ATTACH, "ALTER TABLE", 1, "events",
                        "events SHARE UPDATE EXCLUSIVE", "events_2024 ACCESS EXCLUSIVE").run());

        assertEquals(1, findings.size());
        assertEquals(Optional.of(TableRef.parse("public.events_2024")), findings.get(0).table());
        assertTrue(findings.get(0).hint().orElseThrow().contains("postgresql_not_valid=True"),
                findings.get(0).hint().orElseThrow());
    }

    @Test
    void theDefaultPartitionIsScannedToo() {
        List<Finding> findings = rule.check(Runs.revision().existing("events", "partitioned table", 0)
                .existing("events_default", 800).created("events_2024").ddl(ATTACH, "ALTER TABLE", 1, "events",
                        "events SHARE UPDATE EXCLUSIVE", "events_2024 ACCESS EXCLUSIVE",
                        "events_default ACCESS EXCLUSIVE").run());

        assertEquals(List.of(TableRef.parse("public.events_default")),
                findings.stream().map(f -> f.table().orElseThrow()).toList());
    }

    @Test
    void aValidatedCheckMaySpareTheScan() {
        assertEquals(List.of(), rule.check(Runs.revision().existing("events", "partitioned table", 0)
                .existing("events_2024", "table", 500, Runs.check("ck_events_2024_bounds", true))
                .ddl(ATTACH, "ALTER TABLE", 1, "events", "events_2024 ACCESS EXCLUSIVE").run()));
    }

    @Test
    void aCheckNotYetValidatedDoesNot() {
        assertEquals(1, rule.check(Runs.revision().existing("events", "partitioned table", 0)
                .existing("events_2024", "table", 500, Runs.check("ck_events_2024_bounds", false))
                .ddl(ATTACH, "ALTER TABLE", 1, "events", "events_2024 ACCESS EXCLUSIVE").run()).size());
    }

    @Test
    void attachingATableTheRevisionCreatedIsNotFlagged() {
        assertEquals(List.of(), rule.check(Runs.revision().existing("events", "partitioned table", 0)
                .created("events_2024").ddl(ATTACH, "ALTER TABLE", 1, "events",
                        "events SHARE UPDATE EXCLUSIVE", "events_2024 ACCESS EXCLUSIVE").run()));
    }
}
