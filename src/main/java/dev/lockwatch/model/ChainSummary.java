package dev.lockwatch.model;

import java.util.List;

/**
 * What chain-level rules judge: the shape of the revision graph and what the user asked for.
 *
 * @param heads       every head of the revision graph, sorted
 * @param targetGiven the user named the revision to verify up to ({@code --to})
 */
public record ChainSummary(List<String> heads, boolean targetGiven) {

    public ChainSummary {
        heads = List.copyOf(heads);
    }
}
