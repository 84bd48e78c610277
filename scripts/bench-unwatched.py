#!/usr/bin/python3
"""bench-unwatched.py: time one revision through lockwatch's alembic driver with no lockwatch around it.

    scripts/bench-unwatched.py --driver PY --hook-dir DIR --ini INI --project DIR --database DB
                               --url URL --baseline REV --rev REV [--count-table T] [--log FILE]

The reference side of scripts/bench's watcher target.  lockwatch runs every revision through one
long-lived Python (src/main/resources/dev/lockwatch/alembic/lockwatch_driver.py: one JSON request per
line on stdin, one JSON answer per line on stdout, {"ready": true} first).  This starts that same
script the way lockwatch does (AlembicRunner.environment: PYTHONPATH with lockwatch's sitecustomize,
LOCKWATCH_SOURCE_ROOTS, PYTHONDONTWRITEBYTECODE, PYTHONUNBUFFERED, the URL variable and the libpq
PG* variables; cwd = the project folder; args INI SECTION), but with no watcher, no gates and no
catalog reads while it runs:

  1. {"op": "current"} and {"op": "upgrade", "rev": BASELINE}, untimed: the same commands lockwatch's
     driver has run before the revision, so imports and the revision files are equally warm;
  2. SELECT count(*) FROM T (--count-table), untimed: lockwatch counts the rows of each busy table
     before a revision, which also warms the buffer cache and sets hint bits on the seeded rows;
     doing the same keeps the database state equal on both sides;
  3. {"op": "upgrade", "rev": REV, "app": "bench-unwatched"}, timed from writing the request to
     reading the answer, the span lockwatch reports as the revision's duration_ms.

Prints one JSON line: {"ms": <float>, "ok": <bool>}.  The database must exist and the ini must point
at it.  PGHOST, PGPORT, PGUSER and PGPASSWORD come from the environment.  Exit status: 0 the revision
ran (ok or not, see "ok"), 3 the driver did not start or a setup step failed.  The driver is always
stopped, on Ctrl-C too.  Standard library only.
"""
import argparse
import json
import os
import signal
import subprocess
import sys
import time


def read_answer(driver, what):
    line = driver.stdout.readline()
    if not line:
        raise RuntimeError("the driver ended before answering %s" % what)
    return json.loads(line)


def request(driver, payload):
    driver.stdin.write(json.dumps(payload) + "\n")
    driver.stdin.flush()


def command(driver, payload):
    """Untimed: send, read, insist on success."""
    request(driver, payload)
    answer = read_answer(driver, payload["op"])
    if not answer.get("ok"):
        raise RuntimeError("%s failed: %s" % (payload, answer.get("error", "")))


def main():
    parser = argparse.ArgumentParser(prog="bench-unwatched.py")
    parser.add_argument("--python", default="/usr/bin/python3")
    parser.add_argument("--driver", required=True, help="lockwatch_driver.py")
    parser.add_argument("--hook-dir", required=True, help="folder holding lockwatch's sitecustomize.py")
    parser.add_argument("--ini", required=True, help="an ini whose sqlalchemy.url points at --database")
    parser.add_argument("--section", default="alembic")
    parser.add_argument("--project", required=True, help="the project folder (alembic's cwd)")
    parser.add_argument("--versions", help="versions folder (default PROJECT/migrations/versions)")
    parser.add_argument("--database", required=True)
    parser.add_argument("--url", required=True, help="the database's SQLAlchemy URL")
    parser.add_argument("--url-env", default="DATABASE_URL")
    parser.add_argument("--baseline", required=True)
    parser.add_argument("--rev", required=True)
    parser.add_argument("--count-table")
    parser.add_argument("--psql", default="psql")
    parser.add_argument("--log", default=os.devnull, help="the driver's stderr (alembic's own output)")
    args = parser.parse_args()

    versions = args.versions or os.path.join(args.project, "migrations", "versions")
    env = dict(os.environ)
    env[args.url_env] = args.url
    env["PGDATABASE"] = args.database
    env["PGAPPNAME"] = "bench-unwatched"
    env.pop("PGSERVICE", None)
    env.pop("PGSERVICEFILE", None)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTHONPATH"] = args.hook_dir + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env["LOCKWATCH_SOURCE_ROOTS"] = os.path.realpath(versions)
    env["PYTHONUNBUFFERED"] = "1"

    # SIGTERM ends this harness like Ctrl-C does, so the finally below always stops the driver
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    log = open(args.log, "w")
    driver = subprocess.Popen([args.python, args.driver, args.ini, args.section], cwd=args.project, env=env,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True, bufsize=1)
    try:
        ready = read_answer(driver, "ready")
        if not ready.get("ready"):
            raise RuntimeError("the driver is not ready: %s" % ready.get("error", ready))
        command(driver, {"op": "current", "app": "bench-probe"})
        command(driver, {"op": "upgrade", "rev": args.baseline, "app": "bench-baseline"})
        if args.count_table:
            subprocess.run([args.psql, "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1",
                            "-c", "select count(*) from %s" % args.count_table],
                           env=env, check=True, stdout=subprocess.DEVNULL)
        started = time.perf_counter()
        request(driver, {"op": "upgrade", "rev": args.rev, "app": "bench-unwatched"})
        answer = read_answer(driver, "upgrade " + args.rev)
        ms = (time.perf_counter() - started) * 1000.0
        print(json.dumps({"ms": round(ms, 1), "ok": bool(answer.get("ok")), "error": answer.get("error")}))
        return 0
    except (RuntimeError, ValueError, OSError, subprocess.CalledProcessError) as e:
        sys.stderr.write("bench-unwatched.py: %s\n" % e)
        return 3
    finally:
        try:
            driver.stdin.close()  # the driver's loop ends at EOF
            driver.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired, KeyboardInterrupt):
            pass
        if driver.poll() is None:
            driver.kill()
            driver.wait()
        log.close()


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
