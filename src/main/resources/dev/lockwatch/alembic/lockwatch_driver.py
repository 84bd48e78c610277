"""lockwatch's alembic driver: runs alembic commands one after another in one interpreter.

lockwatch writes one JSON request per line ({"op": "upgrade", "rev": "ab12", "app": "..."}; first of all
{"op": "env", "env": {"PGHOST": "...", "PGSERVICE": null}}, which says where the database is) and reads one JSON
answer per line ({"ok": true} or {"ok": false, "error": "traceback"}), both on a channel of their own: the Unix
socket named by the third argument, which lockwatch listens on for this one connection only. Python opens it
non-inheritable, so no process a revision starts has it; stdin, stdout and stderr are lockwatch's log file and
/dev/null, shared with every child as usual, and nothing printed there can pass for an answer. The revision
files are read once per run (the script directory is cached): they do not change while lockwatch runs.

Database sessions are kept too (_SessionKeeper): when env.py closes its psycopg2 connection, the session is
reset the way a connection pooler resets one (DISCARD ALL) and handed to the next command that connects with
the same arguments and the same PG* environment. Each command still starts from a fresh session's state; it
skips the connection handshake (password hashing included) and the per-session compile of lockwatch's triggers.

A command whose sessions lockwatch's gates pause (every command but the unjudged ones: {"op": "upgrade",
"report_gates": true}) has them report the gates in-band: each psycopg2 session it opens gets
lockwatch.report = notice, so at a gate the session reads its own locks and says what it read in a NOTICE
instead of waiting for the watcher; the answer carries those NOTICEs ({"ok": true, "gates": ["{...}", ...]}). A session without the setting (opened through another DBAPI, or reset by
its env.py) waits at the gates as before, and the watcher lets it through.

Without event triggers (a role that is not a superuser) nothing pauses; a judged upgrade then also carries
{"report_after": sql}, and each statement SQLAlchemy runs is followed, in its own session, by that query, whose
answer (the locks the session's transaction holds, as a gate would report them) joins "gates" (_AfterStatement).
"""
import argparse
import json
import os
import socket
import sys
import time
import traceback

if sys.argv[3:] == ["--graph"]:  # the one-shot graph read answers on stdout and takes no requests
    requests, protocol = None, sys.__stdout__
else:
    _channel = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)  # non-inheritable (PEP 446)
    _channel.connect(sys.argv[3])
    requests = _channel.makefile("r", encoding="utf-8")
    protocol = _channel.makefile("w", encoding="utf-8")

try:
    from alembic import command
    from alembic.config import Config
    from alembic.script import ScriptDirectory
except Exception:  # no alembic in this interpreter: lockwatch falls back to one process per command
    protocol.write(json.dumps({"ready": False, "error": traceback.format_exc()}) + "\n")
    protocol.flush()
    sys.exit(0)

ini, section = sys.argv[1], sys.argv[2]
_from_config = ScriptDirectory.from_config.__func__
_scripts = {}


def _cached_from_config(cls, config):
    key = (config.config_file_name, config.config_ini_section)
    if key not in _scripts:
        _scripts[key] = _from_config(cls, config)
    return _scripts[key]


ScriptDirectory.from_config = classmethod(_cached_from_config)


class _GateNotices(list):
    """A session's NOTICEs, as psycopg2 keeps them (it calls append, then trims a list to the last 50), but for
    lockwatch's gate reports, which go to the command's list whole and in order."""
    PREFIX = "lockwatch-gate "

    def __init__(self, gates):
        super().__init__()
        self._gates = gates

    def append(self, message):
        at = message.find(self.PREFIX)
        if at >= 0:
            self._gates.append(message[at + len(self.PREFIX):].rstrip("\n"))
        else:
            super().append(message)


class _SessionKeeper:
    """Hands a closed psycopg2 connection, reset, to the next connect with the same arguments and environment.

    The key holds the connect arguments and every PG* variable (PGAPPNAME tells judged commands from the round
    trip's), so a command never gets a session another kind of command opened. DISCARD ALL ends what a session
    can carry over: settings (lock_timeout included), session authorization, temp tables, prepared statements,
    advisory locks, LISTEN, sequence caches and cursors. A connection that is broken, or that an env.py opened
    with its own connection_factory, is simply closed.
    """

    def __init__(self, psycopg2):
        self._connect = psycopg2.connect
        self._idle = {}
        self.gates = None  # while an upgrade reports its gates in-band: where its sessions' reports go
        keeper = self

        class KeptConnection(psycopg2.extensions.connection):
            def close(self):
                if not keeper._keep(self):
                    super().close()

        self._factory = KeptConnection
        psycopg2.connect = self.connect

    @staticmethod
    def _key(dsn, cursor_factory, kwargs):
        env = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("PG")))
        return dsn, cursor_factory, tuple(sorted((k, repr(v)) for k, v in kwargs.items())), env

    def connect(self, dsn=None, connection_factory=None, cursor_factory=None, **kwargs):
        if connection_factory is not None:
            connection = self._connect(dsn, connection_factory=connection_factory, cursor_factory=cursor_factory,
                                       **kwargs)
            return self._report_gates(connection)
        key = self._key(dsn, cursor_factory, kwargs)
        kept = self._idle.pop(key, None)
        if kept is not None:
            try:
                return self._report_gates(kept, alive_check=True)
            except Exception:  # lockwatch restarts its server to snapshot the baseline, which ends kept sessions
                kept.close()
        connection = self._connect(dsn, connection_factory=self._factory, cursor_factory=cursor_factory, **kwargs)
        connection._lockwatch_key = key
        return self._report_gates(connection)

    def _report_gates(self, connection, alive_check=False):
        """While an upgrade reports its gates: sets the session to report them and collects its NOTICEs. The same
        round trip proves a kept session alive."""
        if self.gates is None and not alive_check:
            return connection
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("SET lockwatch.report = notice" if self.gates is not None else "SELECT 1")
        connection.autocommit = False
        if self.gates is not None:
            connection.notices = _GateNotices(self.gates)
        return connection

    def _keep(self, connection):
        key = getattr(connection, "_lockwatch_key", None)
        if key is None or connection.closed or key in self._idle:
            return False
        try:
            connection.rollback()
            connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.execute("DISCARD ALL")
            connection.set_session(isolation_level="DEFAULT", readonly="DEFAULT", deferrable="DEFAULT",
                                   autocommit=False)
            connection.notices = []
            del connection.notifies[:]
        except Exception:
            return False
        self._idle[key] = connection
        return True

    def close(self):
        for connection in self._idle.values():
            connection.close()
        self._idle.clear()


try:
    import psycopg2
    import psycopg2.extensions
    _sessions = _SessionKeeper(psycopg2)
except Exception:  # another DBAPI (psycopg 3, asyncpg): every command opens its own session
    _sessions = None


class _AfterStatement:
    """Best-effort capture (no event triggers, so no gate pauses a statement): while an upgrade asks for it
    ({"report_after": sql}), each statement SQLAlchemy runs on a psycopg2 session is followed, in that session, by
    lockwatch's query (capture/GateProtocol.afterStatementSql), whose one value, the locks the session's transaction
    holds, goes to the command's gate reports. A session sees its own locks for certain; polling from outside can
    miss a short statement. A report that cannot be read costs the report, never the statement."""

    def __init__(self):
        self.sql = None
        self.reports = None
        self._in_transaction = None
        self._listening = False

    def start(self, sql, reports):
        if not self._listening:
            from sqlalchemy import event
            from sqlalchemy.engine import Engine
            event.listen(Engine, "before_cursor_execute", self._before)
            event.listen(Engine, "after_cursor_execute", self._after)
            self._listening = True
        self.sql, self.reports = sql, reports
        try:
            from psycopg2.extensions import TRANSACTION_STATUS_INTRANS
            self._in_transaction = TRANSACTION_STATUS_INTRANS
        except ImportError:  # only psycopg2's cursors are reported (their query attribute)
            self._in_transaction = None

    def stop(self):
        self.sql, self.reports = None, None

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        conn.info["lockwatch_started"] = time.monotonic()

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        started = conn.info.pop("lockwatch_started", None)
        query = getattr(cursor, "query", None)  # psycopg2's: the statement as the server got it
        status = getattr(cursor, "statusmessage", None)
        if self.sql is None or started is None or query is None:
            return
        elapsed_us = int((time.monotonic() - started) * 1000000)
        tag = " ".join(word for word in (status or "").split() if not word.isdigit())  # "INSERT 0 1" -> INSERT
        if isinstance(query, bytes):
            query = query.decode("utf-8", "replace")
        try:
            session = cursor.connection
            # inside the migration's transaction the query runs in a savepoint: should it fail (a revision's tiny
            # statement_timeout), the transaction goes on as if it had never run
            in_transaction = session.get_transaction_status() == self._in_transaction
            with session.cursor() as report:
                if in_transaction:
                    report.execute("savepoint lockwatch_report")
                try:
                    report.execute(self.sql, {"query": query, "elapsed_us": elapsed_us, "tag": tag})
                    self.reports.append(report.fetchone()[0])
                except Exception:
                    if in_transaction:
                        report.execute("rollback to savepoint lockwatch_report")
                    raise
                finally:
                    if in_transaction:
                        report.execute("release savepoint lockwatch_report")
        except Exception:
            pass


_after_statement = _AfterStatement()


def _config():
    # what alembic's own command line builds, so env.py sees the same config (x arguments included)
    options = argparse.Namespace(config=ini, name=section, raiseerr=False, x=[])
    return Config(file_=ini, ini_section=section, cmd_opts=options)


def _run(request, gates):
    if request["op"] == "env":  # the database, known only once lockwatch's server is up
        for name, value in request["env"].items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        return
    os.environ["PGAPPNAME"] = request.get("app", os.environ.get("PGAPPNAME", "lockwatch-migration"))
    op = request["op"]
    if request.get("report_gates") and _sessions is not None:
        _sessions.gates = gates
    if request.get("report_after"):
        _after_statement.start(request["report_after"], gates)
    if op == "upgrade":
        command.upgrade(_config(), request["rev"])
    elif op == "downgrade":
        command.downgrade(_config(), request["rev"])
    elif op == "stamp":
        command.stamp(_config(), request["rev"])
    elif op == "current":
        command.current(_config())
    elif op == "graph":  # the revision graph, as the --graph mode answers it, marked as _graph's own answer
        return dict(_graph(request.get("deleted", [])), graph=True)
    else:
        raise ValueError("unknown operation " + op)


def _graph(deleted):
    """The revision graph as alembic's ScriptDirectory reads it, in alembic's upgrade order (base first), plus the
    revision ids of files a branch deleted (their old text, saved by lockwatch): lockwatch reads no revision file
    itself. An error alembic raises (a cycle, an unknown down_revision, a file it cannot import) is the answer,
    quoted, with the revision file it happened in."""
    import warnings
    from alembic import util
    with warnings.catch_warnings(record=True) as warned:
        warnings.simplefilter("always")
        try:
            script = ScriptDirectory.from_config(_config())
            order = list(reversed(list(script.walk_revisions("base", "heads"))))
        except BaseException as e:
            return {"ok": False, "error": _alembic_error(e, warned)}
    revisions = []
    for rev in order:
        revisions.append({
            "id": rev.revision,
            "down_revisions": list(util.to_tuple(rev.down_revision, default=())),
            "depends_on": list(getattr(rev, "_resolved_dependencies", None) or util.to_tuple(rev.dependencies, default=())),
            "branch_labels": sorted(getattr(rev, "_orig_branch_labels", rev.branch_labels)),  # declared, not inherited
            "path": os.path.abspath(rev.path),
            "message": " ".join(rev.doc.split()),
        })
    ids = {}
    for name in deleted:
        try:
            module = util.load_python_file(os.path.dirname(name), os.path.basename(name))
            ids[name] = getattr(module, "revision", None)
        except BaseException:  # its imports are gone with it: no id, no finding about it
            ids[name] = None
    return {"ok": True, "revisions": revisions, "deleted": ids,
            "warnings": [str(w.message) for w in warned]}


def _alembic_error(error, warned):
    """alembic's own words: its warnings (e.g. "Revision x referenced from y is not present"), the error, and the
    innermost frame in a file other than alembic's (the revision file that failed to import)."""
    words = [str(w.message) for w in warned]
    if isinstance(error, SyntaxError):
        words.append("%s: %s (%s, line %s)" % (type(error).__name__, error.msg, error.filename, error.lineno))
    else:
        words.append(traceback.format_exception_only(type(error), error)[-1].strip())
        frames = [f for f in traceback.extract_tb(error.__traceback__)
                  if "/alembic/" not in f.filename and "/importlib/" not in f.filename and not f.filename.startswith("<")]
        if frames:
            words.append("in %s, line %s: %s" % (frames[-1].filename, frames[-1].lineno, (frames[-1].line or "").strip()))
    return "; ".join(words)


if sys.argv[3:] == ["--graph"]:  # a one-shot run: the graph, then exit (stdin: the deleted files, one a line)
    sys.__stdout__.write(json.dumps(_graph([line.rstrip("\n") for line in sys.stdin if line.strip()])) + "\n")
    sys.__stdout__.flush()
    sys.exit(0)

protocol.write(json.dumps({"ready": True}) + "\n")
protocol.flush()
for line in requests:
    gates = []
    try:
        answer = _run(json.loads(line), gates) or {"ok": True}
    except SystemExit as e:  # alembic reports some errors through sys.exit
        answer = {"ok": e.code in (None, 0), "error": "alembic exited with %s" % e.code}
    except BaseException:
        answer = {"ok": False, "error": traceback.format_exc()}
    finally:
        if _sessions is not None:
            _sessions.gates = None
        _after_statement.stop()
    if gates:
        answer["gates"] = gates
    sys.stdout.flush()
    sys.stderr.flush()
    protocol.write(json.dumps(answer) + "\n")
    protocol.flush()
if _sessions is not None:
    _sessions.close()
