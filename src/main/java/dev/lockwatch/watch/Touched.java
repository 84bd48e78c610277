package dev.lockwatch.watch;

import dev.lockwatch.capture.GateEffects;
import dev.lockwatch.capture.GateProtocol;
import dev.lockwatch.capture.Pause;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What a judged upgrade touched, by oid, as its gates told: every table a statement locked, acted on, rewrote or
 * reported the state of, and every table, index or constraint it created or dropped. Every DDL statement and every
 * write to a table that existed before passes a gate, which reports the locks its transaction holds, so a read
 * after the upgrade need read no other table ({@link SchemaReader#readAfter} adds what no gate sees: new storage
 * from a REINDEX or CLUSTER in an autocommit block).
 *
 * @param oids    tables, indexes and constraints (an index or constraint stands for its table)
 * @param objects sequences, views or types were created, changed or dropped: they are read again too
 * @param gated   tables whose DML gates the end gate of the statement that created them installed
 *                ({@link GateProtocol#GATED_AT_CREATION}): lockwatch need not install them again
 */
public record Touched(Set<Long> oids, boolean objects, Set<Long> gated) {
    /** Object types that are a table or part of one: changing them changes no other object. */
    private static final Set<String> TABLE_PARTS = Set.of("table", "index", "table column", "table constraint",
            "materialized view", "foreign table", "trigger", "rule", "policy", "default value", "statistics object");

    public Touched {
        oids = Set.copyOf(oids);
        gated = Set.copyOf(gated);
    }

    /**
     * What the samples of one gated upgrade (that succeeded) tell it touched; empty when they cannot tell: a gate
     * that ended a statement without its effects, or a command that may change the definition of tables it does not
     * touch (an existing type, domain, sequence, schema or function altered: renamed, say).
     */
    public static Optional<Touched> of(List<BackendSample> samples) {
        Set<Long> oids = new HashSet<>();
        Set<Long> createdSequences = new HashSet<>();
        Set<Long> gated = new HashSet<>();
        boolean objects = false;
        for (BackendSample sample : samples) {
            sample.locks().forEach(l -> oids.add(l.relation()));
            Pause pause = sample.pause();
            if (pause != null) {
                if (pause.targetOid() > 0) {
                    oids.add(pause.targetOid());
                }
                oids.addAll(pause.rebuiltTables());
                if (pause.event() == Pause.Event.END && !sample.effects().reported()) {
                    return Optional.empty();
                }
            }
            GateEffects effects = sample.effects();
            effects.tables().forEach(t -> oids.add(t.oid()));
            for (GateEffects.Command command : effects.commands()) {
                if ("pg_class".equals(command.catalog())) {
                    oids.add(command.objid());
                }
                if (command.objectType().equals("table") && GateProtocol.GATED_AT_CREATION.contains(command.commandTag())) {
                    gated.add(command.objid());
                }
                if (command.commandTag().equals("CREATE SEQUENCE")) {
                    createdSequences.add(command.objid());
                }
                objects |= !TABLE_PARTS.contains(command.objectType());
            }
            for (GateEffects.Dropped dropped : effects.dropped()) {
                if ("pg_class".equals(dropped.catalog()) || "pg_constraint".equals(dropped.catalog())) {
                    oids.add(dropped.objid());
                }
                objects |= !TABLE_PARTS.contains(dropped.objectType());
            }
        }
        for (BackendSample sample : samples) {
            for (GateEffects.Command command : sample.effects().commands()) {
                if (command.commandTag().startsWith("ALTER ") && !TABLE_PARTS.contains(command.objectType())
                        && !(command.objectType().equals("sequence") && createdSequences.contains(command.objid()))
                        && !command.objectType().equals("view")) {
                    return Optional.empty();
                }
            }
        }
        return Optional.of(new Touched(oids, objects, gated));
    }
}
