package dev.lockwatch.model;

/**
 * One table as production's statistics describe it.
 *
 * @param rows       {@code pg_class.reltuples}, else {@code n_live_tup}
 * @param writes     {@code n_tup_ins + n_tup_upd + n_tup_del} since the statistics were last reset
 * @param totalBytes {@code pg_total_relation_size}, or -1 when the export has none
 */
public record ProductionTable(TableRef table, long rows, long writes, long totalBytes) {
}
