package dev.lockwatch.run;

import dev.lockwatch.model.SchemaSnapshot;
import dev.lockwatch.watch.BackendSample;
import dev.lockwatch.watch.Touched;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The read after a judged upgrade of what its gates reported it touched, taken while the watcher takes its last look
 * (a round trip on a session of its own) rather than after it. The read after the upgrade then reads only what that
 * look adds, which is nearly always nothing: the gates report every lock the migration's sessions take.
 */
final class EarlyRead implements Consumer<List<BackendSample>> {
    private final ChainSession session;
    private Optional<Touched> touched = Optional.empty();
    private SchemaSnapshot after;
    private Optional<SQLException> failed = Optional.empty();

    EarlyRead(ChainSession session) {
        this.session = session;
    }

    /** Reads the tables the gates' reports say the upgrade touched, unless they cannot tell. */
    @Override
    public void accept(List<BackendSample> reported) {
        touched = Touched.of(reported);
        if (touched.isPresent()) {
            try {
                after = session.schema().readAfter(touched.get().oids(), touched.get().objects());
            } catch (SQLException e) {
                failed = Optional.of(e); // a session the revision left open holds a lock: the read after says so, as it would have
            }
        }
    }

    /**
     * The schema after an upgrade that touched {@code all} (what the gates and every look of the watcher saw): the
     * early read, with what it left out read now; all of it, when the reports alone could not tell.
     */
    SchemaSnapshot rest(Touched all) throws SQLException {
        if (failed.isPresent()) {
            throw failed.get();
        }
        if (touched.isEmpty()) {
            return session.schema().readAfter(all.oids(), all.objects());
        }
        Set<Long> missing = new HashSet<>(all.oids());
        missing.removeAll(touched.get().oids());
        boolean objects = all.objects() && !touched.get().objects();
        return missing.isEmpty() && !objects ? after : session.schema().readAfter(missing, objects);
    }
}
