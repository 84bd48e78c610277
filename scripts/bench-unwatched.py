#!/usr/bin/python3
"""bench-unwatched.py: time one revision through lockwatch's alembic driver with no lockwatch around it.

    scripts/bench-unwatched.py --driver PY --hook-dir DIR --ini INI --project DIR --database DB
                               --url URL --baseline REV --rev REV [--count-table T] [--log FILE]

The reference side of scripts/bench's watcher target.  lockwatch runs every revision through one
long-lived Python (src/main/resources/dev/lockwatch/alembic/lockwatch_driver.py: one JSON request per
line, one JSON answer per line, {"ready": true} first, on a Unix socket the driver connects to, named
by its third argument).  This starts that same script the way lockwatch does (AlembicDriver and
AlembicRunner.environment: PYTHONPATH with lockwatch's sitecustomize, LOCKWATCH_SOURCE_ROOTS,
PYTHONDONTWRITEBYTECODE, PYTHONUNBUFFERED, the guard's LOCKWATCH_GUARD_DATABASE, the URL variable
and the libpq PG* variables; cwd = the project folder; args INI SECTION SOCKET), but with no watcher, no gates and no catalog reads while
it runs:

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
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time


class Driver:
    """The driver process and its channel: the Unix socket it connects to once it has started."""

    def __init__(self, argv, cwd, env, log):
        self.folder = tempfile.mkdtemp(prefix="bench-unwatched.")
        path = os.path.join(self.folder, "driver.sock")
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(path)
        self.listener.listen(1)
        self.listener.settimeout(0.2)
        self.process = subprocess.Popen(argv + [path], cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=log,
                                        stderr=log)
        self.answers = self.requests = self.channel = None
        deadline = time.monotonic() + 60
        try:
            while self.channel is None:
                try:
                    self.channel, _ = self.listener.accept()
                except socket.timeout:
                    if self.process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError("the driver ended before answering ready")
        except BaseException:
            self.close()
            raise
        self.channel.settimeout(None)
        self.answers = self.channel.makefile("r", encoding="utf-8")
        self.requests = self.channel.makefile("w", encoding="utf-8")

    def close(self):
        try:
            if self.requests is not None:
                self.requests.close()
            if self.channel is not None:
                self.channel.shutdown(socket.SHUT_WR)  # the driver's loop ends at EOF
            self.process.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired, KeyboardInterrupt):
            pass
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.listener.close()
        shutil.rmtree(self.folder, ignore_errors=True)


def read_answer(driver, what):
    line = driver.answers.readline()
    if not line:
        raise RuntimeError("the driver ended before answering %s" % what)
    return json.loads(line)


def request(driver, payload):
    driver.requests.write(json.dumps(payload) + "\n")
    driver.requests.flush()


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
    env["LOCKWATCH_GUARD_DATABASE"] = args.database  # lockwatch's connection guard admits this database only
    env.pop("PGSERVICE", None)
    env.pop("PGSERVICEFILE", None)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTHONPATH"] = args.hook_dir + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env["LOCKWATCH_SOURCE_ROOTS"] = os.path.realpath(versions)
    env["PYTHONUNBUFFERED"] = "1"

    # SIGTERM ends this harness like Ctrl-C does, so the finally below always stops the driver
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    log = open(args.log, "w")
    driver = None
    try:
        driver = Driver([args.python, args.driver, args.ini, args.section], args.project, env, log)
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
        if driver is not None:
            driver.close()
        log.close()


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
