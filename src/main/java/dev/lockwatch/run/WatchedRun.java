package dev.lockwatch.run;

import dev.lockwatch.alembic.AlembicResult;
import dev.lockwatch.watch.BackendSample;
import dev.lockwatch.watch.LockWatcher;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One alembic invocation with the watcher running: lockwatch's triggers pause every migration session at its
 * gates, so nothing may run DDL in the scratch database unless the watcher is there to let it through.
 */
record WatchedRun(AlembicResult result, List<BackendSample> samples) {

    /**
     * @param gatesReported the invocation's sessions report lockwatch's gates in-band (the shared driver)
     * @param timeout       how long alembic may run: what lockwatch sees after it ends a run that ran out of time is
     *                      not the revision's
     */
    static WatchedRun of(LockWatcher watcher, boolean gatesReported, Duration timeout,
                         Function<Consumer<String>, AlembicResult> alembic) {
        return of(watcher, gatesReported, timeout, alembic, reported -> { });
    }

    /**
     * {@link #of(LockWatcher, boolean, Duration, Function)}; when the invocation succeeded, {@code whileLastLook} runs
     * with the samples its gates reported while the watcher takes its last look.
     *
     * @param alembic runs the invocation, giving the gates its sessions report in-band, as they come, to the consumer
     *                it is given (the watcher, which reads them meanwhile)
     */
    static WatchedRun of(LockWatcher watcher, boolean gatesReported, Duration timeout,
                         Function<Consumer<String>, AlembicResult> alembic, Consumer<List<BackendSample>> whileLastLook) {
        watcher.start(gatesReported, timeout);
        AlembicResult result;
        try {
            result = alembic.apply(watcher::reported);
        } catch (RuntimeException | Error e) {
            watcher.stop(List.of());
            throw e;
        }
        return new WatchedRun(result, result.timedOut() ? watcher.stopTimedOut()
                : watcher.stop(result.reportedGates(), result.succeeded() ? whileLastLook : reported -> { }));
    }

    /** One alembic invocation nobody judges: the gates stay open and no lock is read. */
    static WatchedRun unwatched(LockWatcher watcher, Supplier<AlembicResult> alembic) {
        return new WatchedRun(watcher.unwatched(alembic), List.of());
    }

    /** What alembic reported when it failed: the error, or that it ran out of time. */
    String error(Duration timeout) {
        return result.timedOut() ? "did not finish within --revision-timeout " + timeout.toSeconds() + " s"
                : result.errorSummary();
    }
}
