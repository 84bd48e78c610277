"""lockwatch's alembic driver: runs alembic commands one after another in one interpreter.

lockwatch writes one JSON request per line ({"op": "upgrade", "rev": "ab12", "app": "..."}; first of all
{"op": "env", "env": {"PGHOST": "...", "PGSERVICE": null}}, which says where the database is) and reads one JSON
answer per line ({"ok": true} or {"ok": false, "error": "traceback"}), both on a channel of their own: the Unix
socket named by the third argument, which lockwatch listens on for this one connection only. Python opens it
non-inheritable, so no process a revision starts has it; stdin, stdout and stderr are lockwatch's log file and
/dev/null, shared with every child as usual, and nothing printed there can pass for an answer. The revision
files are read once per run (the script directory is cached): they do not change while lockwatch runs. env.py is
compiled once per (path, mtime, size, inode) and executed afresh by every command (_cached_env_py); each command
still gets a Config of its own, which env.py may change. What a command would only repeat is done once: the
revisions' down links alembic's graph walks recompute (_kept_down_revisions), and env.py's fileConfig of an
unchanged file (_logging_configured_once); a command's usual one step is made without walking the graph
(_direct_steps). The round trip's unwatched steps share runs of env.py (_Flight).

Database sessions are kept too (_SessionKeeper): when env.py closes its psycopg2 connection, the session is
reset the way a connection pooler resets one (DISCARD ALL, cached plans kept) and handed to the next command that connects with
the same arguments and the same PG* environment. Each command still starts from a fresh session's state; it
skips the connection handshake (password hashing included) and the per-session compile of lockwatch's triggers.
Handing a kept session out costs one statement, which proves it alive (a dead one is closed and a new session
opened) and reads what a new SQLAlchemy Engine's dialect would ask it (_Fingerprint): env.py makes a new Engine
every command, and its dialect's first-connection queries (hstore probe, initialize) are answered from that read
and from what an equal dialect learned before (_DialectMemo), instead of eight more round trips.

A command whose sessions lockwatch's gates pause (every command but the unjudged ones: {"op": "upgrade",
"report_gates": true}) has them report the gates in-band: each psycopg2 session it opens gets
lockwatch.report = notice, so at a gate the session reads its own locks and says what it read in a NOTICE
instead of waiting for the watcher; the answer carries those NOTICEs ({"ok": true, "gates": ["{...}", ...]}), but for
those sent ahead of it while the command ran, in lines of their own ({"part": true, "gates": [...]}, _GateReports).
A session without the setting (opened through another DBAPI, or reset by its env.py) waits at the gates as before,
and the watcher lets it through.

Without event triggers (a role that is not a superuser) nothing pauses; a judged upgrade then also carries
{"report_after": sql}, and each statement SQLAlchemy runs is followed, in its own session, by that query, whose
answer (the locks the session's transaction holds, as a gate would report them) joins "gates" (_AfterStatement).
With event triggers, {"report_after": sql, "report_after_only": ["LOCK", ...]} does so for the statements whose
first keyword is listed: those no trigger pauses, which polling may not see (a LOCK TABLE on an empty table).
"""
import argparse
import json
import os
import re
import socket
import sys
import threading
import time
import traceback
import types
import weakref

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


def _cached_env_py():
    """env.py is compiled once per (path, mtime, size, inode), and each command executes the code object in a fresh
    module, as alembic's load_python_file would (same module name, __file__ and spec). Nothing is written: no
    __pycache__ in the user's project."""
    import importlib.util
    import re
    from alembic import util
    load_python_file = getattr(util, "load_python_file", None)
    if load_python_file is None:
        return
    compiled = {}

    def cached(dir_, filename):
        path = os.path.join(dir_, filename)
        try:
            stat = os.stat(path) if filename == "env.py" else None
        except OSError:
            stat = None
        if stat is None:
            return load_python_file(dir_, filename)
        spec = importlib.util.spec_from_file_location(re.sub(r"\W", "_", filename), path)
        module = importlib.util.module_from_spec(spec)
        key = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        code = compiled.get(path, (None, None))
        if code[0] != key:
            code = compiled[path] = key, spec.loader.source_to_code(spec.loader.get_data(path), path)
        exec(code[1], module.__dict__)
        return module

    util.load_python_file = cached


try:
    _cached_env_py()
except Exception:  # an alembic laid out otherwise: env.py is compiled every command, as before
    pass


def _kept_down_revisions():
    """Revision._normalized_down_revisions is computed afresh at each of the steps alembic's graph walks take, and
    every command walks the whole chain below its target: hundreds of thousands of times on a long chain stepped a
    revision at a time. It is kept per revision for as long as the two attributes it is made of are the same
    objects (alembic sets them while it builds the map, which the cached script directory builds once)."""
    from alembic.script.revision import Revision
    computed = vars(Revision).get("_normalized_down_revisions")
    if not isinstance(computed, property) or computed.fget is None:
        return

    def kept(self):
        down, depends = self.down_revision, getattr(self, "_normalized_resolved_dependencies", None)
        memo = self.__dict__.get("_lockwatch_down")
        if memo is None or memo[0] is not down or memo[1] is not depends:
            memo = self.__dict__["_lockwatch_down"] = (down, depends, computed.fget(self))
        return memo[2]

    Revision._normalized_down_revisions = property(kept, doc=computed.__doc__)


def _logging_configured_once():
    """env.py calls logging.config.fileConfig at every command, as alembic's command line runs it once per process.
    Called again with the same file, unchanged, and the same arguments, while logging is as the last call left it
    (the root logger's handlers and level, the number of loggers), it would build the same loggers and handlers
    again: it is skipped. Anything else (another file, an edited one, a handler a revision added) configures for
    real."""
    import logging
    import logging.config
    configure = logging.config.fileConfig
    last = {}

    def state():
        return tuple(logging.root.handlers), logging.root.level, len(logging.Logger.manager.loggerDict)

    def file_config(fname, defaults=None, disable_existing_loggers=True, encoding=None):
        key = None
        if isinstance(fname, (str, bytes, os.PathLike)):
            try:
                stat = os.stat(fname)
                key = (os.fspath(fname), stat.st_mtime_ns, stat.st_size, stat.st_ino, repr(defaults),
                       disable_existing_loggers, encoding)
            except (OSError, TypeError, ValueError):
                key = None
        if key is not None and last.get("key") == key and last.get("state") == state():
            return None
        last.clear()
        result = configure(fname, defaults, disable_existing_loggers, encoding)
        if key is not None:
            last.update(key=key, state=state())
        return result

    logging.config.fileConfig = file_config


def _direct_steps():
    """alembic's _upgrade_revs and _downgrade_revs find a command's steps by walking the graph below its target,
    which costs the length of the chain at every command: stepping a 290-revision chain a revision at a time (the
    chain from base, and the round trip's three steps a revision) spent a second of Python's CPU there. The usual
    step is made directly, as alembic makes it: the upgrade to a revision whose down revisions are exactly the heads,
    and the downgrade of the one head to its one down revision (by id, or as its id@-1). Anything else (a
    dependency, a branch label, a relative or partial id, other heads) is walked as before."""
    from alembic.runtime.migration import MigrationStep
    from alembic.script.base import ScriptDirectory
    from alembic.util import to_tuple
    upgrade_revs, downgrade_revs = ScriptDirectory._upgrade_revs, ScriptDirectory._downgrade_revs

    def plain(script, rev_id):
        """The revision whose id is exactly rev_id, when it depends on no other; else None."""
        revision = script.revision_map._revision_map.get(rev_id) if isinstance(rev_id, str) else None
        if revision is None or revision.revision != rev_id or revision.dependencies:
            return None
        return revision

    def heads_of(current):
        heads = to_tuple(current, default=())
        return heads if all(isinstance(h, str) for h in heads) and len(set(heads)) == len(heads) else None

    def upgrade(self, destination, current_rev):
        revision, heads = plain(self, destination), heads_of(current_rev)
        if revision is not None and heads is not None \
                and sorted(to_tuple(revision.down_revision, default=())) == sorted(heads):
            return [MigrationStep.upgrade_from_script(self.revision_map, revision)]
        return upgrade_revs(self, destination, current_rev)

    def downgrade(self, destination, current_rev):
        heads = heads_of(current_rev)
        revision = plain(self, heads[0]) if heads is not None and len(heads) == 1 else None
        down = to_tuple(revision.down_revision, default=()) if revision is not None else None
        # to its down revision by id, or one step down from it (the round trip's X@-1)
        if revision is not None and (down == (destination,) and destination in self.revision_map._revision_map
                                     or len(down) <= 1 and destination == revision.revision + "@-1"):
            return [MigrationStep.downgrade_from_script(self.revision_map, revision)]
        return downgrade_revs(self, destination, current_rev)

    ScriptDirectory._upgrade_revs, ScriptDirectory._downgrade_revs = upgrade, downgrade


for _repeat_saved in (_kept_down_revisions, _logging_configured_once, _direct_steps):
    try:
        _repeat_saved()
    except Exception:  # an alembic or Python laid out otherwise: every command does it all again, as before
        pass


class _GateNotices(list):
    """A session's NOTICEs, as psycopg2 keeps them (it calls append, then trims a list to the last 50), but for
    lockwatch's gate reports, which go to the command's list whole and in order. A version-table write's report
    also tells the session's settings (GateProtocol.SESSION_STATE): kept on the session with the count of the
    message that wrote the version, for _Flight's check after the request."""
    PREFIX = "lockwatch-gate "
    _SESSION = '"session" : ['  # as json_build_object writes a field that is not null

    def __init__(self, gates, connection):
        super().__init__()
        self._gates = gates
        self._connection = weakref.ref(connection)

    def append(self, message):
        at = message.find(self.PREFIX)
        if at >= 0:
            report = message[at + len(self.PREFIX):].rstrip("\n")
            self._gates.append(report)
            if self._SESSION in report:
                self._told(report)
        else:
            super().append(message)

    def _told(self, report):
        connection = self._connection()
        try:
            state = json.loads(report).get("session")
        except ValueError:
            return
        if connection is not None and isinstance(state, list) and connection._lockwatch_msg is not None:
            connection._lockwatch_session = (connection._lockwatch_msg, state)


class _GateReports(list):
    """A request's gate reports, sent on to lockwatch BATCH at a time while the command runs, ahead of its answer
    ({"part": true, "gates": [...]}), so that lockwatch reads them while alembic works (a deploy's thousand reports
    took a tenth of a second to read after it); the answer carries the rest. Reports are only ever appended."""
    BATCH = 64

    def __init__(self, send):
        super().__init__()
        self._send = send

    def append(self, report):
        super().append(report)
        if len(self) >= self.BATCH:
            self._send({"part": True, "gates": list(self)})
            del self[:]


class _Fingerprint:
    """What a new SQLAlchemy Engine's PostgreSQL dialect asks a session before its first use (psycopg2's hstore
    probe; the server version, current schema, default isolation and standard_conforming_strings of
    initialize()), read by one SELECT: the kept session's alive check. A revision can change the answers
    (CREATE EXTENSION hstore, CREATE SCHEMA "$user"), so they are read again at every checkout."""
    QUERY = ("select pg_catalog.version(), current_schema(), current_setting('transaction_isolation'),"
             " current_setting('standard_conforming_strings'),"
             " (select array[count(*), min(t.oid)::bigint, min(t.typarray)::bigint]"
             " from pg_type t join pg_namespace ns on typnamespace = ns.oid where typname = 'hstore')")
    # the statements whose answers it holds, as SQLAlchemy 1.4 and psycopg2's HstoreAdapter.get_oids send them
    ANSWERED = frozenset(["select pg_catalog.version()", "select current_schema()", "show transaction isolation level",
                          "show standard_conforming_strings",
                          "select t.oid, typarray from pg_type t join pg_namespace ns on typnamespace = ns.oid"
                          " where typname = 'hstore';"])

    @staticmethod
    def of(row):
        return tuple(tuple(value) if isinstance(value, list) else value for value in row)

    @classmethod
    def answers(cls, statement):
        """Whether the fingerprint holds the answer to this statement (one a dialect ran while initializing)."""
        if isinstance(statement, bytes):
            statement = statement.decode("utf-8", "replace")
        return isinstance(statement, str) and " ".join(statement.split()).lower() in cls.ANSWERED

    @staticmethod
    def hstore_oids(fingerprint):
        """(True, what SQLAlchemy's _hstore_oids answers: get_oids()[0:2] or None), or (False, None) when the
        fingerprint cannot say (more than one hstore type: get_oids' order is the server's)."""
        count, oid, array_oid = fingerprint[4]
        if count > 1:
            return False, None
        return True, ((oid,), (array_oid,)) if count == 1 else None


class _MessageTag:
    """While a session reports its gates in-band, each statement it sends starts with a comment that counts the
    session's query messages and, for a message of one statement, names its first keyword:
        /* lockwatch-msg 17 CREATE */ /* lockwatch-source ... */ CREATE INDEX ...
    A gate at the start of a DDL statement or at a version-table write then knows that nothing ran since the
    previous gate of its transaction (that gate ended message 16, which held one statement) and skips its read of
    pg_locks, whose cost is the server's whole lock table (capture.sql, lockwatch.quiet). Messages no tag counts
    (executemany, callproc, COPY) leave a gap in the count; a cursor whose messages cannot be followed ends the
    counting for the session. The watcher strips the comment (SourceTag). A statement whose tagged text would not fit
    in pg_stat_activity at its smallest default (track_activity_query_size, 1 kB) goes untagged, so that what a
    report shows of a long statement never depends on the tag."""
    PREFIX = "/* lockwatch-msg "
    FITS_BYTES = 1023 - 48
    _COMMENT = re.compile(r"\s*(?:/\*.*?\*/\s*)*", re.S)
    _WORD = re.compile(r"[A-Za-z]+")

    @classmethod
    def tagged(cls, query, count):
        if isinstance(query, bytes):
            if len(query) > cls.FITS_BYTES:
                return query  # sent untagged: the count still moved, so no gate trusts it
            try:
                text = query.decode("utf-8")
            except UnicodeDecodeError:
                return query  # as above
            return cls.tagged(text, count).encode("utf-8")
        if not isinstance(query, str) or not query.strip() or len(query.encode("utf-8")) > cls.FITS_BYTES:
            return query  # a psycopg2.sql object, an empty query psycopg2 refuses itself, a long one: as above
        return "%s%d %s*/ %s" % (cls.PREFIX, count, cls._keyword(query), query)

    @classmethod
    def _keyword(cls, query):
        """The first keyword of a message of one statement, followed by a space; '' for several or none."""
        body = query.rstrip().rstrip(";")
        if ";" in body:
            return ""  # maybe several statements (or a ';' in a literal: counted as several, the safe side)
        word = cls.first_word(body)
        return word + " " if word else ""

    @classmethod
    def first_word(cls, query):
        """The query's first keyword, upper case, past any leading comments; '' for none."""
        word = cls._WORD.match(query, cls._COMMENT.match(query).end())
        return word.group(0).upper() if word else ""


class _SessionKeeper:
    """Hands a closed psycopg2 connection, reset, to the next connect with the same arguments and environment.

    The key holds the connect arguments and every PG* variable (PGAPPNAME tells judged commands from the round
    trip's), so a command never gets a session another kind of command opened. RESET ends what a session can
    carry over: settings (lock_timeout included), session authorization, temp tables, prepared statements,
    advisory locks, LISTEN, sequence caches and cursors. A connection that is broken, or that an env.py opened
    with its own connection_factory, is simply closed.
    """
    # DISCARD ALL, step by step as the server runs it, but for DISCARD PLANS: cached plans are no state a session
    # can see (the server plans again whatever a catalog change, search_path or role makes stale), and dropping them
    # made every command plan lockwatch's gate queries again (a fifth of the server's time stepping a long chain)
    RESET = ("CLOSE ALL; SET SESSION AUTHORIZATION DEFAULT; RESET ALL; DEALLOCATE ALL; UNLISTEN *;"
             " SELECT pg_advisory_unlock_all(); DISCARD TEMP; DISCARD SEQUENCES")

    class _Unheld:
        """No command is held (_Hold holds one)."""
        @staticmethod
        def wait():
            pass

        @staticmethod
        def before(statement):
            pass

    def __init__(self, psycopg2):
        self._connect = psycopg2.connect
        self._idle = {}
        self.gates = None  # while an upgrade reports its gates in-band: where its sessions' reports go
        self.hold = self._Unheld  # what a held command's statements wait for (_Hold)
        keeper = self

        class KeptConnection(psycopg2.extensions.connection):
            _lockwatch_fp = None  # the checkout's _Fingerprint answer, while no statement has run since
            _lockwatch_log = None  # while a dialect initializes for real: the statements it ran

            def close(self):
                if not keeper._keep(self):
                    super().close()

            _lockwatch_msg = None  # while gates are reported in-band: the messages this session sent (_MessageTag)
            _lockwatch_session = None  # (message count, settings) its last version-table write reported (_GateNotices)

            # every statement Python sends on a session goes through a cursor; the others change what a BEGIN says
            def cursor(self, *args, **kwargs):
                self._lockwatch_fp = None
                if args or self.cursor_factory is not None or any(kwargs.values()):
                    keeper.hold.wait()  # a cursor whose statements _Hold cannot see
                    if self._lockwatch_log is not None:
                        self._lockwatch_log.append(None)  # a cursor the log cannot follow: nothing is remembered
                    self._lockwatch_msg = None  # nor can its messages be counted: no tag says "the next one" again
                elif self._lockwatch_log is not None:
                    kwargs["cursor_factory"] = _LoggingCursor
                elif self._lockwatch_msg is not None:
                    kwargs["cursor_factory"] = _CountingCursor
                return super().cursor(*args, **kwargs)

            def _lockwatch_tagged(self, query):
                """The query with its _MessageTag, counted; the query as it is when this session is not counted."""
                if self._lockwatch_msg is None:
                    return query
                self._lockwatch_msg += 1
                return _MessageTag.tagged(query, self._lockwatch_msg)

            def _lockwatch_opaque(self):
                """Messages sent that no tag counts (several, or none): the next tagged one does not follow the last."""
                if self._lockwatch_msg is not None:
                    self._lockwatch_msg += 2

            def commit(self):
                keeper.hold.wait()
                return super().commit()

            def set_session(self, *args, **kwargs):
                self._lockwatch_fp = None
                return super().set_session(*args, **kwargs)

            def set_isolation_level(self, *args):
                self._lockwatch_fp = None
                return super().set_isolation_level(*args)

            def set_client_encoding(self, *args):
                self._lockwatch_fp = None
                return super().set_client_encoding(*args)

            def tpc_begin(self, *args):
                self._lockwatch_fp = None
                return super().tpc_begin(*args)

            def lobject(self, *args, **kwargs):
                self._lockwatch_fp = None
                return super().lobject(*args, **kwargs)

        class _CountingCursor(psycopg2.extensions.cursor):
            """Tags each statement it sends with the session's message count (_MessageTag)."""
            def execute(self, query, vars=None):
                keeper.hold.before(query)
                return super().execute(self.connection._lockwatch_tagged(query), vars)

        def uncounted(name):
            """A cursor method that sends messages no tag counts (one per row of executemany, a COPY's data...)."""
            send = getattr(psycopg2.extensions.cursor, name)

            def sent(self, *args, **kwargs):
                keeper.hold.wait()
                self.connection._lockwatch_opaque()
                return send(self, *args, **kwargs)
            return sent

        for name in ("executemany", "callproc", "copy_expert", "copy_from", "copy_to"):
            setattr(_CountingCursor, name, uncounted(name))

        class _LoggingCursor(_CountingCursor):
            def execute(self, query, vars=None):
                log = self.connection._lockwatch_log
                if log is not None:
                    log.append(None if vars else query)  # with parameters it is not one the fingerprint answers
                return super().execute(query, vars)

            def executemany(self, query, vars_list):
                if self.connection._lockwatch_log is not None:
                    self.connection._lockwatch_log.append(None)
                return super().executemany(query, vars_list)

            def callproc(self, *args):
                if self.connection._lockwatch_log is not None:
                    self.connection._lockwatch_log.append(None)
                return super().callproc(*args)

        self._factory = KeptConnection
        self._ready = psycopg2.extensions.STATUS_READY
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
        """While an upgrade reports its gates: sets the session to report them and collects its NOTICEs. A kept
        session is proven alive by the same round trip, which also reads its _Fingerprint."""
        if self.gates is None and not alive_check:
            return connection
        if self.gates is not None and isinstance(connection, self._factory):
            connection._lockwatch_msg = 0  # a new count: the server compares it only within one transaction
            connection._lockwatch_session = None  # counted before: no longer matched by a count
        connection.autocommit = True
        with connection.cursor() as cursor:
            if alive_check:
                report = "SET lockwatch.report = notice; " if self.gates is not None else ""
                cursor.execute(report + _Fingerprint.QUERY)  # one round trip: the SET, then the SELECT's answer
                fingerprint = _Fingerprint.of(cursor.fetchone())
            else:
                cursor.execute("SET lockwatch.report = notice")
        connection.autocommit = False
        if alive_check:
            connection._lockwatch_fp = fingerprint  # after the cursor, whose use would have invalidated it
        if self.gates is not None:
            connection.notices = _GateNotices(self.gates, connection)
        return connection

    def fingerprint(self, connection):
        """The checkout's _Fingerprint of a kept session, if nothing ran on it since and its next BEGIN is a plain
        one (so what a transaction would read equals what the autocommit read did); else None."""
        fingerprint = getattr(connection, "_lockwatch_fp", None)
        if fingerprint is None or connection.closed or connection.autocommit:
            return None
        if connection.status != self._ready or connection.isolation_level is not None:
            return None
        if connection.readonly is not None or connection.deferrable is not None:
            return None
        return fingerprint

    def _keep(self, connection):
        key = getattr(connection, "_lockwatch_key", None)
        if key is None or connection.closed or key in self._idle:
            return False
        try:
            connection.rollback()
            connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.execute(self.RESET)
            connection.set_session(isolation_level="DEFAULT", readonly="DEFAULT", deferrable="DEFAULT",
                                   autocommit=False)
            connection.notices = []
            del connection.notifies[:]
            connection._lockwatch_fp = None
            connection._lockwatch_msg = None
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


class _DialectMemo:
    """A new SQLAlchemy Engine (env.py makes one per command) initializes its dialect on its first connection:
    several statements, each its own round trip, whose answers only the session's server and database state
    decide. On a kept session the checkout already read those answers (_Fingerprint); so:

    - psycopg2's hstore probe (_hstore_oids, from the dialect's on-connect hook) is answered from the fingerprint;
    - initialize() runs for real the first time for a given key, with the statements it sends logged; when all of
      them are ones the fingerprint answers, and all it changed on the dialect are plain values, those values are
      remembered. The key: the dialect class, the dialect's whole state before initialize (plain values by value,
      objects by type and their own state), the session's connect arguments and PG* environment (server,
      database, user), and the fingerprint. A later dialect with the same key gets the same values set, without
      the statements. Anything else (another DBAPI, no fingerprint, a session something ran on since its checkout,
      a statement the fingerprint does not answer, an object changed in place) runs the real initialize.

    Hooks are found by feature detection (Dialect.engine_created, a SQLAlchemy PostgreSQL _hstore_oids): without
    them nothing changes."""
    PLAIN = (type(None), bool, int, float, str, bytes)

    def __init__(self, sessions, psycopg2):
        self._sessions = sessions
        self._psycopg2 = psycopg2
        self._memo = {}

    def install(self):
        from sqlalchemy.engine import default
        from sqlalchemy.util import langhelpers
        self._memoized_property = getattr(langhelpers, "memoized_property", None)
        original = next((vars(c)["engine_created"] for c in default.DefaultDialect.__mro__
                         if "engine_created" in vars(c)), None)
        if not isinstance(original, classmethod):
            return
        memo = self

        def engine_created(cls, engine):
            original.__func__(cls, engine)
            memo.attach(getattr(engine, "dialect", None))

        default.DefaultDialect.engine_created = classmethod(engine_created)

    def attach(self, dialect):
        if dialect is None or getattr(dialect, "dbapi", None) is not self._psycopg2:
            return
        initialize = getattr(dialect, "initialize", None)
        if callable(initialize) and "initialize" not in vars(dialect):
            def wrapped(connection):
                return self._initialize(dialect, initialize, connection)
            wrapped._lockwatch = True
            dialect.initialize = wrapped
        probe = getattr(type(dialect), "_hstore_oids", None)
        if callable(probe) and getattr(probe, "__module__", "").startswith("sqlalchemy.dialects.postgresql") \
                and "_hstore_oids" not in vars(dialect):
            def hstore_oids(conn):
                return self._hstore_oids(dialect, probe, conn)
            hstore_oids._lockwatch = True
            dialect._hstore_oids = hstore_oids

    def _fingerprint(self, connection):
        raw = getattr(connection, "dbapi_connection", None) or getattr(connection, "connection", None) or connection
        raw = getattr(raw, "dbapi_connection", raw)  # a Connection's pool proxy, then the psycopg2 connection
        return raw, (self._sessions.fingerprint(raw) if hasattr(raw, "_lockwatch_key") else None)

    def _hstore_oids(self, dialect, probe, conn):
        raw, fingerprint = self._fingerprint(conn)
        known, oids = _Fingerprint.hstore_oids(fingerprint) if fingerprint is not None else (False, None)
        if not known:
            return probe(dialect, conn)  # SQLAlchemy's memoized method: it also replaces this wrapper

        def memo(*args, **kwargs):  # what SQLAlchemy's memoized_instancemethod leaves behind
            return oids
        memo.__name__ = "_hstore_oids"
        vars(dialect)["_hstore_oids"] = memo
        return oids

    def _initialize(self, dialect, initialize, connection):
        raw, fingerprint = self._fingerprint(connection)
        if fingerprint is None:
            return initialize(connection)
        before = self._state(dialect)
        key = (type(dialect), frozenset(before.items()), raw._lockwatch_key, fingerprint)
        try:
            changes = self._memo.get(key)
        except TypeError:  # something unhashable in the state: no memo
            return initialize(connection)
        if changes is not None:
            for name, value in changes.items():
                setattr(dialect, name, value)
            return None
        raw._lockwatch_log = []
        try:
            result = initialize(connection)
        finally:
            statements, raw._lockwatch_log = raw._lockwatch_log, None
        changes = self._changes(dialect, before) if all(map(_Fingerprint.answers, statements)) else None
        if changes is not None:
            if len(self._memo) > 64:
                self._memo.clear()
            self._memo[key] = changes
        return result

    def _changes(self, dialect, before):
        """What initialize set on the dialect, when all of it is plain values (a lazily computed cache excepted: it is
        computed again when used); None otherwise."""
        after = self._state(dialect)
        if set(before) - set(after):
            return None
        changes = {}
        for name in after:
            value = vars(dialect)[name]
            if name in before and before[name] == after[name]:
                continue
            if self._plain(value):
                changes[name] = value
            elif not isinstance(getattr(type(dialect), name, None), self._memoized_property or ()):
                return None
        return changes

    def _plain(self, value):
        if isinstance(value, tuple) and type(value) is tuple:
            return all(self._plain(v) for v in value)
        return type(value) in self.PLAIN

    def _state(self, dialect):
        return {name: self._canonical(value, dialect, 0, set()) for name, value in vars(dialect).items()
                if not getattr(value, "_lockwatch", False)}

    def _canonical(self, value, dialect, depth, seen):
        """A hashable stand-in that is equal for equal state: plain values themselves, containers by content,
        functions by code and closure, classes and modules by identity, other objects by type and attributes."""
        kind = type(value)
        if kind in self.PLAIN:
            return kind, value
        if value is dialect:
            return "dialect"
        if kind in (tuple, list):
            return kind, tuple(self._canonical(v, dialect, depth, seen) for v in value)
        if kind in (set, frozenset):
            return kind, frozenset(self._canonical(v, dialect, depth, seen) for v in value)
        if kind is dict:
            return kind, frozenset((self._canonical(k, dialect, depth, seen), self._canonical(v, dialect, depth, seen))
                                   for k, v in value.items())
        if isinstance(value, (type, types.ModuleType, types.BuiltinFunctionType, types.CodeType)) \
                and not (isinstance(value, types.BuiltinFunctionType) and not isinstance(
                    getattr(value, "__self__", None), (type(None), types.ModuleType))):
            return "id", value
        if isinstance(value, types.FunctionType):
            try:
                cells = tuple(self._canonical(c.cell_contents, dialect, depth + 1, seen) for c in value.__closure__ or ())
            except ValueError:  # an empty cell
                cells = "empty"
            return ("function", value.__code__, cells, self._canonical(value.__defaults__, dialect, depth, seen),
                    self._canonical(value.__kwdefaults__, dialect, depth, seen))
        if isinstance(value, (types.MethodType, types.BuiltinMethodType)):
            return ("method", kind, getattr(value, "__name__", None),
                    self._canonical(getattr(value, "__func__", None), dialect, depth, seen),
                    self._canonical(value.__self__, dialect, depth + 1, seen))
        attributes = getattr(value, "__dict__", None)
        if depth >= 2 or id(value) in seen or not isinstance(attributes, dict):
            return "object", kind
        seen = seen | {id(value)}
        return "object", kind, self._canonical(attributes, dialect, depth + 1, seen)


if _sessions is not None:
    try:
        _DialectMemo(_sessions, psycopg2).install()
    except Exception:  # a SQLAlchemy this does not know: every Engine initializes its dialect for real
        pass


class _AfterStatement:
    """Best-effort capture (no event triggers, so no gate pauses a statement): while an upgrade asks for it
    ({"report_after": sql}), each statement SQLAlchemy runs on a psycopg2 session is followed, in that session, by
    lockwatch's query (capture/GateProtocol.afterStatementSql), whose one value, the locks the session's transaction
    holds, goes to the command's gate reports. A session sees its own locks for certain; polling from outside can
    miss a short statement. A report that cannot be read costs the report, never the statement."""

    def __init__(self):
        self.sql = None
        self.reports = None
        self.only = None  # the first keywords of the statements reported after, or None for all
        self._marker = ""
        self._in_transaction = None
        self._listening = False

    def start(self, sql, reports, only=None):
        if not self._listening:
            from sqlalchemy import event
            from sqlalchemy.engine import Engine
            event.listen(Engine, "before_cursor_execute", self._before)
            event.listen(Engine, "after_cursor_execute", self._after)
            self._listening = True
        self.sql, self.reports = sql, reports
        self.only = frozenset(only) if only is not None else None
        # the report's leading comment, which the watcher knows for lockwatch's own: on its savepoints too
        self._marker = _MessageTag._COMMENT.match(sql).group(0).strip() + " "
        try:
            from psycopg2.extensions import TRANSACTION_STATUS_INTRANS
            self._in_transaction = TRANSACTION_STATUS_INTRANS
        except ImportError:  # only psycopg2's cursors are reported (their query attribute)
            self._in_transaction = None

    def stop(self):
        self.sql, self.reports, self.only = None, None, None

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        conn.info["lockwatch_started"] = time.monotonic()

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        started = conn.info.pop("lockwatch_started", None)
        query = getattr(cursor, "query", None)  # psycopg2's: the statement as the server got it
        status = getattr(cursor, "statusmessage", None)
        if self.sql is None or started is None or query is None:
            return
        if self.only is not None and _MessageTag.first_word(statement) not in self.only:
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
                    report.execute(self._marker + "savepoint lockwatch_report")
                try:
                    report.execute(self.sql, {"query": query, "elapsed_us": elapsed_us, "tag": tag})
                    self.reports.append(report.fetchone()[0])
                except Exception:
                    if in_transaction:
                        report.execute(self._marker + "rollback to savepoint lockwatch_report")
                    raise
                finally:
                    if in_transaction:
                        report.execute(self._marker + "release savepoint lockwatch_report")
        except Exception:
            pass


_after_statement = _AfterStatement()

class _Hold:
    """A judged upgrade sent {"hold": true} starts at once but changes nothing until lockwatch sends {"go": true}:
    lockwatch reads what the upgrade before it left meanwhile, while this one reads its request, runs env.py, checks
    a session out and reads the version table (about half of a short revision's command). Until then only plain
    reads go to the server; a session waits for the go before any other statement, a cursor it cannot see into, a
    commit, the version table's creation and the first step. {"go": false} (the upgrade before left a session that
    holds a lock) ends the command there: nothing of it has run. The go is read once per held request, at the
    latest before it is answered."""
    # statements that change nothing lockwatch's read sees and take no lock it could wait for, by their first keyword
    _READS = ("SELECT", "SHOW", "SET", "RESET")

    def __init__(self):
        self.pending = False
        self.held = 0.0  # seconds the command waited for its go: not the command's own time

    def start(self, request):
        self.pending = bool(request.get("hold"))
        self.held = 0.0
        self.thread = threading.get_ident()  # a thread a revision left running reads no request of lockwatch's

    def before(self, statement):
        """Waits for the go unless statement is a plain read."""
        if self.pending and not (isinstance(statement, str) and _MessageTag.first_word(statement) in self._READS):
            self.wait()

    def wait(self):
        if not self.pending or threading.get_ident() != self.thread:
            return
        self.pending = False
        waiting = time.monotonic()
        line = requests.readline()
        self.held = time.monotonic() - waiting
        if not (line and json.loads(line).get("go")):
            raise RuntimeError("lockwatch: not run: the revision before it left a session holding a lock")

    def install(self):
        from alembic.runtime.migration import MigrationContext
        ensure, run = MigrationContext._ensure_version_table, MigrationContext.run_migrations
        hold = self

        def ensure_version_table(ctx, *args, **kw):
            hold.wait()
            return ensure(ctx, *args, **kw)

        def run_migrations(ctx, **kw):
            if not hold.pending:
                return run(ctx, **kw)
            steps = ctx._migrations_fn

            def held(heads, context):
                for step in steps(heads, context):
                    hold.wait()
                    yield step

            ctx._migrations_fn = held
            try:
                return run(ctx, **kw)
            finally:
                ctx._migrations_fn = steps

        MigrationContext._ensure_version_table = ensure_version_table
        MigrationContext.run_migrations = run_migrations


_hold = _Hold()


class _Flight:
    """The round trip's stairway sends its unwatched upgrades and downgrades marked {"flight": true}: an upgrade,
    the downgrade of one step, the upgrade again, revision after revision, each answered before the next is sent.
    So do the judged upgrades of a chain verified revision by revision, each its own deploy. As commands of their
    own, each would execute env.py, build an engine, check a session out and read the version table before its own
    statements (a quarter of the stairway's time on a 290-revision chain). In a flight, one run of env.py serves
    such requests in turn: after a request's steps, the transaction they ran in is committed, as the end of its own
    command would have committed it (as alembic's autocommit_block commits it, and then begins the next), the request is
    answered (with the gates its sessions reported), and the next request's steps, computed from the heads as
    alembic's command computes them, run in the same session. Only a request like the one before joins (the same
    application name and reports); any other (a stamp, the database's environment, "land") ends the flight first,
    and runs as usual. A held request's steps wait for their go, as a command's first step does (_Hold).

    A flight keeps to what a command of its own would do: it starts only once a command of this driver showed that
    env.py runs its migrations once per command and without arguments (not a multi-database env.py), and commits
    only alembic's own transaction (never one env.py began itself). A request that sent SET, RESET, DISCARD or
    set_config (its revision, or env.py before it: a SET LOCAL ends with the commit), or something else a session
    keeps past COMMIT (a temporary table, a prepared statement, LISTEN, a session's advisory lock), or that left the
    session's user, search_path or timeouts changed (SESSION, for a statement sent past SQLAlchemy), ends the flight
    after it: the next request starts from a fresh command and a reset session, as it would on its own. What a
    revision leaves in the interpreter (a logging handler) may reach the next step of the flight; nobody reads the
    steps' log, and a judged step is judged by what the server did."""
    # what a step's outcome depends on most, checked after every request (a statement sent past SQLAlchemy, a raw
    # DBAPI cursor or a function, may change these too): "select " + GateProtocol.SESSION_STATE, which lockwatch
    # sends with the environment; a flight needs it
    SESSION = None
    # a statement that may change a setting (custom ones too, which no catalog lists), or leave something else in the
    # session that its reset would end (_SessionKeeper.RESET)
    _SETS = re.compile(r"(?:^|;)\s*(?:/\*.*?\*/\s*)*(?:set|reset|discard|prepare|listen)\b|set_config\s*\("
                       r"|\bcreate\s+(?:(?:global|local)\s+)?temp(?:orary)?\b|\bpg_(?:try_)?advisory_(?:xact_)?lock",
                       re.I | re.S)

    def __init__(self):
        self.request = None  # the flight-marked request whose command runs now
        self.runs = 0  # run_migrations calls of that command
        self.learned = None  # whether env.py runs its migrations once per command, as a flight needs
        self.answered = False  # the command running now has answered its last request itself
        self.pending = []  # a request a flight read but does not take: the main loop's next
        self.sets = False  # a statement that may change a setting was sent since the command or request began

    @staticmethod
    def marked(request):
        return request.get("flight") is True and request.get("op") in ("upgrade", "downgrade")

    @staticmethod
    def _joins(request, following):
        """Whether following may run in request's flight: the same sessions, reporting the same way."""
        return all(following.get(key) == request.get(key)
                   for key in ("app", "report_gates", "report_after", "report_after_only"))

    def install(self):
        from alembic.runtime.migration import MigrationContext
        run = MigrationContext.run_migrations
        flight = self

        def run_migrations(ctx, **kw):
            flight.runs += 1
            if flight.request is None or not flight.learned or flight.runs != 1 or kw or flight.SESSION is None:
                return run(ctx, **kw)
            steps, callbacks = ctx._migrations_fn, ctx.on_version_apply_callbacks
            settings = _scalar(ctx.connection, flight.SESSION)
            now = []  # the heads, as alembic's own bookkeeping has them after each step: no query for them

            def applied(heads=(), **_):
                now[:] = heads

            def migrations(heads, context):
                now[:] = heads
                return flight._steps(steps(heads, context), context, settings, now)

            ctx._migrations_fn = migrations
            ctx.on_version_apply_callbacks = list(callbacks) + [applied]
            try:
                return run(ctx, **kw)
            finally:
                ctx._migrations_fn, ctx.on_version_apply_callbacks = steps, callbacks

        MigrationContext.run_migrations = run_migrations
        self._listen()

    def _listen(self):
        """Notes each statement sent through SQLAlchemy that may change a setting, while a command that may fly runs
        (a joint deploy's thousands of statements are not searched)."""
        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        def sent(conn, cursor, statement, parameters, context, executemany):
            if self.request is not None and isinstance(statement, str) and self._SETS.search(statement):
                self.sets = True

        event.listen(Engine, "before_cursor_execute", sent)

    def _drifted(self, connection, settings):
        """Whether the request may have left the session other than env.py set it up (settings: SESSION then): as
        its last version-table write reported the session when nothing was sent since, else as the session says."""
        sets, self.sets = self.sets, False
        if sets:
            return True
        told = self._told(connection)
        return (told if told is not None else _scalar(connection, self.SESSION)) != settings

    @staticmethod
    def _told(connection):
        """The settings the session's last version-table write reported, if it sent nothing since; else None."""
        fairy = getattr(connection, "connection", None)
        session = getattr(fairy, "dbapi_connection", None) or getattr(fairy, "connection", None)
        told = getattr(session, "_lockwatch_session", None)
        if told is None or told[0] != getattr(session, "_lockwatch_msg", None):
            return None
        return told[1]

    def command(self, request, run):
        """Runs request's command; a flight when it is marked for one and env.py has shown it allows one."""
        self.request = request if self.marked(request) else None
        self.runs = 0
        self.sets = False
        try:
            return run()
        finally:
            if self.request is not None and self.learned is None:
                self.learned = self.runs == 1
            self.request = None

    def next_request(self):
        if self.pending:
            return self.pending.pop()
        line = requests.readline()
        return json.loads(line) if line else None

    def _steps(self, steps, context, settings, heads):
        yield from steps
        request = self.request
        while True:
            if context._in_external_transaction or (context._in_connection_transaction()
                                                    and context._transaction is None):
                self.learned = False  # env.py's own transaction: only the command's end may commit it
                return
            # read before the commit: a SET LOCAL shows as drift too, which ends the flight, as its SET does anyway
            drifted = self._drifted(context.connection, settings)
            # alembic's transaction committed and the next begun, as its autocommit_block would, but with nothing run
            # in between (the block's switch to autocommit and back runs two statements, each a transaction of its
            # own): the next request's transaction directly follows this one, as capture.sql's scan_base needs to
            # read the scan counts of the tables it locked alone
            in_transaction = context._in_connection_transaction()
            if in_transaction:
                context._transaction.commit()
                context._transaction = None
            try:
                _answer(_answered({"ok": True}, _sessions.gates if _sessions is not None else None))
                self.answered = True
                if drifted:
                    return
                following = self.next_request()
                if following is None or not self.marked(following) or not self._joins(request, following):
                    if following is not None:
                        self.pending.append(following)
                    return
                self.answered = False
                request = self.request = following
                _hold.start(request)
            finally:
                if in_transaction:
                    context._transaction = context.connection.begin()
            # what alembic keeps for one command: the DDL runner's memo says which enum types its create_table made
            # (SQLAlchemy then skips their CREATE TYPE), though a downgrade may have dropped them since
            memo = getattr(context.impl, "memo", None)
            if isinstance(memo, dict):
                memo.clear()
            if request["op"] == "upgrade":
                steps = context.script._upgrade_revs(request["rev"], tuple(heads))
            else:
                steps = context.script._downgrade_revs(request["rev"], tuple(heads))
            _hold.wait()  # the steps are known; nothing of them runs before the go
            yield from steps


def _scalar(connection, sql):
    run = getattr(connection, "exec_driver_sql", None)
    if run is None:  # SQLAlchemy 1.3
        from sqlalchemy import text
        return connection.execute(text(sql)).scalar()
    return run(sql).scalar()


_flight = _Flight()
try:
    _flight.install()
except Exception:  # an alembic laid out otherwise: every request is a command of its own
    _flight.learned = False
if _sessions is not None:
    _sessions.hold = _hold
try:
    _hold.install()
except Exception:  # an alembic laid out otherwise: a held command waits for its go at its first statement
    pass


def _answered(answer, gates):
    """answer, with the gates the request's sessions reported (taken: the list serves the next request of a flight)
    and how long it waited for its go."""
    if gates:
        answer["gates"] = list(gates)
        del gates[:]
    if _hold.held:
        answer["held_ms"] = _hold.held * 1000
    return answer


def _answer(answer):
    sys.stdout.flush()
    sys.stderr.flush()
    protocol.write(json.dumps(answer) + "\n")
    protocol.flush()


def _config():
    # what alembic's own command line builds, so env.py sees the same config (x arguments included)
    options = argparse.Namespace(config=ini, name=section, raiseerr=False, x=[])
    return Config(file_=ini, ini_section=section, cmd_opts=options)


def _run(request, gates):
    _hold.start(request)
    if request["op"] == "env":  # the database, known only once lockwatch's server is up
        if request.get("session_state"):
            _Flight.SESSION = "select " + request["session_state"]
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
        _after_statement.start(request["report_after"], gates, request.get("report_after_only"))
    if op == "upgrade":
        _flight.command(request, lambda: command.upgrade(_config(), request["rev"]))
    elif op == "downgrade":
        _flight.command(request, lambda: command.downgrade(_config(), request["rev"]))
    elif op == "land":  # ends a flight (_Flight), as any request the flight does not take does
        return
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
while True:
    gates = _GateReports(_answer)
    _flight.answered = False
    try:
        request = _flight.next_request()
        if request is None:
            break
        answer = _run(request, gates) or {"ok": True}
    except SystemExit as e:  # alembic reports some errors through sys.exit
        answer = {"ok": e.code in (None, 0), "error": "alembic exited with %s" % e.code}
    except BaseException:
        answer = {"ok": False, "error": traceback.format_exc()}
    finally:
        if _sessions is not None:
            _sessions.gates = None
        _after_statement.stop()
        try:
            _hold.wait()  # a held command that ended before its first step still reads its go
        except RuntimeError:
            pass
    if _flight.answered:  # a flight answered its last request itself; what its env.py did after goes to the log
        if not answer.get("ok", True):
            sys.stderr.write("after a flight's last answer: %s\n" % answer.get("error"))
        continue
    _answer(_answered(answer, gates))
if _sessions is not None:
    _sessions.close()
