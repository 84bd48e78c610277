#!/usr/bin/python3
"""bench-report.py: the tables of scripts/bench, from the figures it recorded.

    scripts/bench-report.py timeline REPORT.json STDERR.log WALL_S EXPECTED_REVISIONS
    scripts/bench-report.py chain|pr|watcher|memory|realistic RESULTS.jsonl SUMMARY.jsonl
    scripts/bench-report.py summary SUMMARY.jsonl

scripts/bench appends one JSON object per measurement to RESULTS.jsonl ({"section": "chain",
"round": 1, "a": 8.2, ...}).  Each section command prints that section's table to stdout and appends
its rows for the final table to SUMMARY.jsonl; `summary` prints that table.  `timeline` reads the
chain warm-up run's JSON report and its timestamped stderr and says where the time went.
Standard library only.
"""
import json
import statistics
import sys


def records(path, section):
    out = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                r = json.loads(line)
                if r.get("section") == section:
                    out.append(r)
    return out


def add_summary(path, **row):
    with open(path, "a") as f:
        f.write(json.dumps(row) + "\n")


def med(values):
    return statistics.median(values) if values else float("nan")


def verdict(met):
    return "met" if met else "NOT MET"


# --- the chain warm-up run: where the time goes ----------------------------------------------------
def timeline(report_file, log_file, wall, expected):
    wall, expected = float(wall), int(expected)
    with open(report_file) as f:
        report = json.load(f)
    s = report["summary"]
    revs = report["revisions"]
    ok = s["revisions"] == expected and s["applied"] == expected
    print("lockwatch summary (warm-up run, JSON report):")
    print("  revisions %d, applied %d, failed %d, not run %d; findings: %d errors, %d warnings, %d infos; passed=%s  [%s]"
          % (s["revisions"], s["applied"], s["failed"], s["not_run"], s["errors"], s["warnings"], s["infos"],
             str(s["passed"]).lower(), "all %d verified" % expected if ok else "EXPECTED %d APPLIED" % expected))
    if revs:
        print("  verified %s .. %s, baseline %s, postgres %s (%s)"
              % (revs[0]["revision"], revs[-1]["revision"], report.get("baseline"),
                 report["postgres"].get("server_version"), report["postgres"].get("provider")))
    if s["errors"] + s["warnings"] + s["infos"] == 0 and report.get("baseline") == "base":
        print("  (no findings is expected here: with baseline 'base' no table exists before the chain, so lockwatch"
              " treats no table as busy; --from r0001 or --busy-table would make the base tables busy)")
    per = sorted((r.get("duration_ms") or 0) for r in revs)
    total_rev = sum(per) / 1000.0
    round_trips = sum(1 for r in revs if (r.get("downgrade") or {}).get("outcome") not in (None, "skipped"))
    lines = []
    with open(log_file) as f:
        for line in f:
            t, _, text = line.strip().partition(" ")
            try:
                lines.append((float(t), text.strip()))
            except ValueError:
                pass
    phase = {}
    for t, text in lines:
        if "scratch database" in text and "scratch" not in phase:
            phase["scratch"] = t
        if "[1/" in text and "first_rev" not in phase:
            phase["first_rev"] = t
    if lines:
        phase["first"] = lines[0][0]
        phase["last"] = lines[-1][0]
    print("  wall %.2f s; per-revision upgrade time inside the alembic driver (duration_ms) sums to %.2f s, median %d ms, max %d ms"
          % (wall, total_rev, per[len(per) // 2] if per else 0, per[-1] if per else 0))
    if not ({"first", "scratch", "first_rev", "last"} <= phase.keys() and revs):
        print("  (timeline unavailable: lockwatch's stderr no longer has the 'scratch database' and '[1/N]' lines)")
        return
    d1 = (revs[0].get("duration_ms") or 0) / 1000.0
    chain = phase["last"] - phase["first_rev"] + d1
    between = "lockwatch between them" + (", downgrade round trips included" if round_trips else "")
    print("  timeline from its stderr (seconds since launch):")
    print("    %6.2f  JVM start, read ini and revision files       (until the first progress line)" % phase["first"])
    print("    %6.2f  connect, create the scratch database         (until 'scratch database ...')"
          % (phase["scratch"] - phase["first"]))
    print("    %6.2f  'alembic current' probe, catalog, watcher    (until [1/%d] minus r0001's own time)"
          % (phase["first_rev"] - d1 - phase["scratch"], len(revs)))
    print("    %6.2f  %d revisions: %.2f s of upgrades inside alembic + %.2f s %s (%.0f ms/revision)"
          % (chain, len(revs), total_rev, chain - total_rev, between, 1000.0 * (chain - total_rev) / len(revs)))
    print("    %6.2f  write report, drop scratch database, exit  (after the last progress line)"
          % (wall - phase["last"]))


# --- 1. full chain ---------------------------------------------------------------------------------
def chain(results, summary):
    rows = records(results, "chain")
    meta = (records(results, "chain-meta") or [{}])[0]
    n = meta.get("revisions", "?")
    a, a2, b = [r["a"] for r in rows], [r["a2"] for r in rows], [r["b"] for r in rows]
    print("%-8s %12s %12s %12s %8s %8s" % ("round", "A", "A2", "B alembic", "A/B", "A2/B"))
    for r in rows:
        print("%-8s %11.2fs %11.2fs %11.2fs %7.2fx %7.2fx"
              % (r["round"], r["a"], r["a2"], r["b"], r["a"] / r["b"], r["a2"] / r["b"]))
    ma, ma2, mb = med(a), med(a2), med(b)
    print("%-8s %11.2fs %11.2fs %11.2fs %7.2fx %7.2fx   (ratio of medians)" % ("median", ma, ma2, mb, ma / mb, ma2 / mb))
    print("%-8s %12s %12s %12s %7.2fx %7.2fx   (median of per-round ratios)"
          % ("", "", "", "", med([x / y for x, y in zip(a, b)]), med([x / y for x, y in zip(a2, b)])))
    for label, m in (("%s-revision chain, A (default: downgrade round trip)" % n, ma),
                     ("%s-revision chain, A2 (--no-downgrade-check)" % n, ma2)):
        add_summary(summary, target=label, measured="%.2f s" % m, reference="alembic upgrade head %.2f s" % mb,
                    ratio="%.2fx" % (m / mb), goal="at most 1.5x", met=verdict(m / mb <= 1.5))


# --- 2. pull request on a cached baseline ----------------------------------------------------------
def pr(results, summary):
    cold = (records(results, "pr-cold") or [{}])[0]
    rows = records(results, "pr")
    print("cold run (untimed for the ratio: upgrades the 200-revision baseline, saves it): %.2f s" % cold.get("a", float("nan")))
    print("%-8s %12s %14s %14s %12s %8s" % ("round", "A warm", "server start", "upgrade r0201", "reference", "A/ref"))
    for r in rows:
        ref = r["start"] + r["upgrade"]
        print("%-8s %11.2fs %13.2fs %13.2fs %11.2fs %7.2fx" % (r["round"], r["a"], r["start"], r["upgrade"], ref, r["a"] / ref))
    a = med([r["a"] for r in rows])
    start = med([r["start"] for r in rows])
    upgrade = med([r["upgrade"] for r in rows])
    ref = start + upgrade
    print("%-8s %11.2fs %13.2fs %13.2fs %11.2fs %7.2fx   (medians; reference = median start + median upgrade)"
          % ("median", a, start, upgrade, ref, a / ref))
    print("%-8s %12s %14s %14s %12s %7.2fx   (median of per-round ratios)"
          % ("", "", "", "", "", med([r["a"] / (r["start"] + r["upgrade"]) for r in rows])))
    add_summary(summary, target="PR: 1 new revision on a 200-revision baseline, cache warm",
                measured="%.2f s" % a, reference="server start %.2f s + upgrade r0201 %.2f s" % (start, upgrade),
                ratio="%.2fx" % (a / ref), goal="under 2x", met=verdict(a / ref < 2.0))


# --- 3. watcher overhead on one migration ----------------------------------------------------------
def watcher(results, summary):
    rows = records(results, "watcher")
    meta = (records(results, "watcher-meta") or [{}])[0]
    print("%-8s %-22s %13s %15s %13s %10s %10s"
          % ("round", "order", "watched", "(statements)", "unwatched", "ratio", "overhead"))
    for r in rows:
        q = r["watched"] / r["unwatched"]
        print("%-8s %-22s %11.0fms %13.0fms %11.0fms %9.3fx %+9.1f%%"
              % (r["round"], r["order"], r["watched"], r["in_statements"], r["unwatched"], q, 100 * (q - 1)))
    w = med([r["watched"] for r in rows])
    u = med([r["unwatched"] for r in rows])
    q = w / u
    st = med([r["in_statements"] for r in rows])
    print("%-8s %-22s %11.0fms %13.0fms %11.0fms %9.3fx %+9.1f%%   (ratio of medians)"
          % ("median", "", w, st, u, q, 100 * (q - 1)))
    pq = med([r["watched"] / r["unwatched"] for r in rows])
    print("%-8s %-22s %13s %15s %13s %9.3fx %+9.1f%%   (median of per-round ratios)"
          % ("", "", "", "", "", pq, 100 * (pq - 1)))
    print("(statements) = the sum of the watched statements' own duration_ms in lockwatch's report; watched minus it is"
          " alembic's Python work plus the gates around each statement")
    add_summary(summary, target="watcher overhead on r0002 (%s rows)" % meta.get("rows", "?"),
                measured="%.0f ms watched" % w, reference="%.0f ms unwatched" % u,
                ratio="%.3fx (%+.1f%%)" % (q, 100 * (q - 1)), goal="under 5%", met=verdict(q < 1.05))


# --- 4. peak memory --------------------------------------------------------------------------------
def memory(results, summary):
    r = (records(results, "memory") or [None])[0]
    if r is None:
        print("(no measurement)")
        return
    hwm, maxrss = r["hwm_kb"] / 1024.0, r["maxrss_kb"] / 1024.0
    print("peak RSS of the JVM (VmHWM, sampled every 20 ms):                     %6.0f MB" % hwm)
    print("peak RSS from wait4 (what /usr/bin/time -f %%M reports: the JVM or its largest child): %6.0f MB" % maxrss)
    print("wall %.2f s, exit status %d, %s" % (r["wall_s"], r["rc"], r.get("check", "")))
    add_summary(summary, target="peak memory, %s-revision chain with downgrade round trip" % r.get("revisions", "?"),
                measured="%.0f MB (JVM VmHWM; wait4 %.0f MB)" % (hwm, maxrss), reference="-", ratio="-", goal="under 256 MB",
                met=verdict(hwm < 256 and maxrss < 256))


# --- 5. realistic chain against the floor -----------------------------------------------------------
REALISTIC = (("deploy", "one deploy (--from r0001 --no-downgrade-check)", 1.5),
             ("base", "from base, no round trip (--no-downgrade-check)", 2.0),
             ("roundtrip", "from base with the downgrade round trip", 3.0))


def realistic(results, summary):
    rows = records(results, "realistic")
    print("%-8s %10s %10s %10s %10s %9s %9s %9s" % ("round", "floor", "deploy", "base", "roundtrip", "deploy/f",
                                                     "base/f", "trip/f"))
    for r in rows:
        print("%-8s %9.2fs %9.2fs %9.2fs %9.2fs %8.2fx %8.2fx %8.2fx"
              % (r["round"], r["floor"], r["deploy"], r["base"], r["roundtrip"], r["deploy"] / r["floor"],
                 r["base"] / r["floor"], r["roundtrip"] / r["floor"]))
    floor = med([r["floor"] for r in rows])
    print("%-8s %9.2fs %9.2fs %9.2fs %9.2fs %8.2fx %8.2fx %8.2fx   (ratio of medians)"
          % (("median", floor) + tuple(med([r[k] for r in rows]) for k, _, _ in REALISTIC)
             + tuple(med([r[k] for r in rows]) / floor for k, _, _ in REALISTIC)))
    mem = [r["floor_mem"] for r in rows if r.get("floor_mem") is not None]
    if mem:
        fm = med(mem)
        print("floor with its data in /dev/shm (reference, not a target): %s; median %.2f s; ratios of medians to it: "
              "deploy %.2fx, base %.2fx, round trip %.2fx" % (" ".join("%.2fs" % m for m in mem), fm,
                                                             *(med([r[k] for r in rows]) / fm for k, _, _ in REALISTIC)))
    for key, label, goal in REALISTIC:
        m = med([r[key] for r in rows])
        print("ratio %-50s %.2fx (target at most %.1fx: %s)" % (label, m / floor, goal, verdict(m / floor <= goal)))
        add_summary(summary, target="realistic 290-revision chain, " + label, measured="%.2f s" % m,
                    reference="floor %.2f s" % floor, ratio="%.2fx" % (m / floor), goal="at most %.1fx" % goal,
                    met=verdict(m / floor <= goal))
    rss = records(results, "realistic-rss")
    if rss:
        hwm = max(r["hwm_kb"] for r in rss) / 1024.0
        maxrss = max(r["maxrss_kb"] for r in rss) / 1024.0
        print("peak memory of all %d lockwatch runs: JVM VmHWM %.0f MB, wait4 (JVM or its largest child) %.0f MB "
              "(target under 256 MB: %s)" % (len(rss), hwm, maxrss, verdict(hwm < 256 and maxrss < 256)))
        add_summary(summary, target="realistic chain, peak memory of every lockwatch run", measured="%.0f MB" % hwm,
                    reference="-", ratio="-", goal="under 256 MB", met=verdict(hwm < 256 and maxrss < 256))


def summary_table(summary):
    rows = []
    with open(summary) as f:
        for line in f:
            if line.strip():
                rows.append(json.loads(line))
    head = ("target", "measured", "reference", "ratio", "target value", "met")
    keys = ("target", "measured", "reference", "ratio", "goal", "met")
    table = [head] + [tuple(str(r[k]) for k in keys) for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(head))]
    for i, row in enumerate(table):
        print(" | ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
        if i == 0:
            print("-+-".join("-" * w for w in widths))


def main(argv):
    cmd = argv[1] if len(argv) > 1 else ""
    sections = {"chain": chain, "pr": pr, "watcher": watcher, "memory": memory, "realistic": realistic}
    if cmd == "timeline" and len(argv) == 6:
        timeline(*argv[2:])
    elif cmd in sections and len(argv) == 4:
        sections[cmd](argv[2], argv[3])
    elif cmd == "summary" and len(argv) == 3:
        summary_table(argv[2])
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
