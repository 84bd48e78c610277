package dev.lockwatch.alembic;

import dev.lockwatch.model.LockwatchException;
import dev.lockwatch.model.Revision;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * The revision DAG as alembic reads it ({@link ScriptDirectoryReader}): branch points, merges (several down
 * revisions), {@code depends_on}, several bases. Revisions are stepped by explicit id in topological order because
 * {@code alembic upgrade +1} fails on such graphs ("Ambiguous walk"); ties go the way alembic walks them, which is
 * the order the revisions are given in.
 */
public final class RevisionGraph {
    public static final String BASE = "base";
    public static final String HEAD = "head";

    private final Map<String, Revision> byId;
    private final Map<String, List<String>> children = new HashMap<>();
    private final Map<String, Integer> walkOrder = new HashMap<>();

    /** {@code revisions} in alembic's upgrade order, which breaks ties between independent branches. */
    public RevisionGraph(Collection<Revision> revisions) {
        Map<String, Revision> map = new LinkedHashMap<>();
        revisions.forEach(r -> map.put(r.id(), r));
        revisions.forEach(r -> walkOrder.putIfAbsent(r.id(), walkOrder.size()));
        this.byId = map;
        for (Revision r : revisions) {
            for (String prerequisite : r.prerequisites()) {
                if (!map.containsKey(prerequisite)) {
                    throw LockwatchException.usage(r.file() + ": revision " + r.id() + " refers to " + prerequisite
                            + ", which no revision file declares");
                }
                children.computeIfAbsent(prerequisite, k -> new ArrayList<>()).add(r.id());
            }
        }
        topologicalOrder(map.keySet()); // fails on cycles
    }

    public Revision get(String id) {
        return byId.get(id);
    }

    public int size() {
        return byId.size();
    }

    /** Revisions no other revision builds on, sorted by id. Dependencies do not make a head. */
    public List<String> heads() {
        Set<String> parents = new HashSet<>();
        byId.values().forEach(r -> parents.addAll(r.downRevisions()));
        return byId.keySet().stream().filter(id -> !parents.contains(id)).sorted().toList();
    }

    /**
     * Resolves what a user typed for {@code --from}/{@code --to}: {@code base}, {@code head}, an id, a unique
     * id prefix, or a branch label. Null for {@code base}.
     */
    public String resolve(String symbol, String option) {
        if (symbol.equals(BASE)) {
            return null;
        }
        if (symbol.equals(HEAD) || symbol.equals("heads")) {
            List<String> heads = heads();
            if (heads.size() != 1) {
                throw LockwatchException.usage("the chain has " + heads.size() + " heads (" + String.join(", ", heads)
                        + "): pass " + option + " with one of them, or add a merge revision (alembic merge heads)");
            }
            return heads.get(0);
        }
        if (byId.containsKey(symbol)) {
            return symbol;
        }
        String label = symbol.endsWith("@head") ? symbol.substring(0, symbol.length() - 5) : symbol;
        List<String> labelled = byId.values().stream().filter(r -> r.branchLabels().contains(label)).map(Revision::id).toList();
        if (labelled.size() == 1) {
            return symbol.endsWith("@head") ? headOfBranch(labelled.get(0)) : labelled.get(0);
        }
        List<String> prefixed = byId.keySet().stream().filter(id -> id.startsWith(symbol)).sorted().toList();
        if (prefixed.size() == 1 && symbol.length() >= 3) {
            return prefixed.get(0);
        }
        if (prefixed.size() > 1) {
            throw LockwatchException.usage(option + " " + symbol + " is ambiguous: it starts "
                    + String.join(", ", prefixed));
        }
        throw LockwatchException.usage(option + " " + symbol + " is not a revision of this chain (" + size()
                + " revisions; see alembic history)");
    }

    /**
     * The {@code alembic downgrade} argument that takes back {@code id} alone, given the revisions applied (which
     * include {@code id} and none above it). {@code id@-1} steps one down on the revision's own branch, leaving
     * sibling branches applied; a merge revision has no such step ("Ambiguous walk"), but downgrading to a parent
     * removes exactly the merge when no other applied revision sits above that parent. Empty when alembic has no
     * way to say it.
     */
    public java.util.Optional<String> downgradeTarget(String id, Set<String> applied) {
        Revision revision = byId.get(id);
        if (revision.downRevisions().size() <= 1) {
            return java.util.Optional.of(id + "@-1");
        }
        return revision.downRevisions().stream().sorted()
                .filter(parent -> descendants(parent).stream().filter(applied::contains).allMatch(id::equals))
                .findFirst();
    }

    /** Every revision that needs {@code id}, transitively (children and dependents). */
    public Set<String> descendants(String id) {
        Set<String> seen = new LinkedHashSet<>();
        Deque<String> todo = new ArrayDeque<>(children.getOrDefault(id, List.of()));
        while (!todo.isEmpty()) {
            String next = todo.pop();
            if (seen.add(next)) {
                todo.addAll(children.getOrDefault(next, List.of()));
            }
        }
        return seen;
    }

    /** {@code id} and every revision it needs, transitively. Empty for null (base). */
    public Set<String> ancestorsInclusive(String id) {
        Set<String> seen = new LinkedHashSet<>();
        if (id == null) {
            return seen;
        }
        Deque<String> todo = new ArrayDeque<>(List.of(id));
        while (!todo.isEmpty()) {
            String next = todo.pop();
            if (seen.add(next)) {
                todo.addAll(byId.get(next).prerequisites());
            }
        }
        return seen;
    }

    public java.util.Collection<Revision> all() {
        return java.util.Collections.unmodifiableCollection(byId.values());
    }

    /** {@code ids} in the order they are stepped: prerequisites first, ties as alembic walks them. */
    public List<Revision> ordered(Set<String> ids) {
        return topologicalOrder(ids).stream().map(byId::get).toList();
    }

    /** The revisions of {@code ids} that no other of them needs, in stepping order: upgrading to each applies all. */
    public List<String> tips(Set<String> ids) {
        Set<String> needed = new HashSet<>();
        ids.forEach(id -> needed.addAll(byId.get(id).prerequisites()));
        Set<String> tips = new LinkedHashSet<>(ids);
        tips.removeAll(needed);
        return topologicalOrder(tips);
    }

    /** The revisions above {@code from} up to every one of {@code tos}, prerequisites first; ties as alembic walks them. */
    public List<Revision> between(String from, Collection<String> tos) {
        return above(from == null ? List.of() : List.of(from), tos);
    }

    /** The revisions {@code tos} need that none of {@code applied} (a database's version rows) already has. */
    public List<Revision> above(Collection<String> applied, Collection<String> tos) {
        Set<String> wanted = new LinkedHashSet<>();
        tos.forEach(to -> wanted.addAll(ancestorsInclusive(to)));
        applied.forEach(id -> wanted.removeAll(ancestorsInclusive(id)));
        return topologicalOrder(wanted).stream().map(byId::get).toList();
    }

    public boolean contains(String id) {
        return byId.containsKey(id);
    }

    private List<String> topologicalOrder(Set<String> ids) {
        Map<String, Integer> pending = new HashMap<>();
        for (String id : ids) {
            pending.put(id, (int) byId.get(id).prerequisites().stream().filter(ids::contains).count());
        }
        PriorityQueue<String> ready = new PriorityQueue<>(Comparator.comparing(walkOrder::get));
        pending.forEach((id, count) -> {
            if (count == 0) {
                ready.add(id);
            }
        });
        List<String> order = new ArrayList<>();
        while (!ready.isEmpty()) {
            String id = ready.poll();
            order.add(id);
            for (String child : children.getOrDefault(id, List.of())) {
                if (pending.containsKey(child) && pending.merge(child, -1, Integer::sum) == 0) {
                    ready.add(child);
                }
            }
        }
        if (order.size() != ids.size()) {
            List<String> cyclic = ids.stream().filter(id -> !order.contains(id)).sorted().toList();
            throw LockwatchException.usage("the revision graph has a cycle through " + String.join(", ", cyclic));
        }
        return order;
    }

    private String headOfBranch(String start) {
        String current = start;
        while (true) {
            String parent = current;
            List<String> next = children.getOrDefault(parent, List.of()).stream()
                    .filter(c -> byId.get(c).downRevisions().contains(parent)).toList();
            if (next.size() != 1) {
                return current;
            }
            current = next.get(0);
        }
    }
}
