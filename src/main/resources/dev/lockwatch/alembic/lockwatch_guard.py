# lockwatch's connection guard, loaded by lockwatch's sitecustomize in every alembic process lockwatch starts.
#
# Every session a DBAPI opens here (psycopg2, psycopg 3, asyncpg, pg8000) proves, before env.py or a revision
# runs a statement on it, that it reached lockwatch's scratch database: current_database() is the scratch
# database's random name and current_setting('lockwatch.token') is the per-run secret lockwatch set on that
# database only (ALTER DATABASE ... SET), which no session elsewhere sees. A session elsewhere is closed, the
# refusal is written to $LOCKWATCH_GUARD_LOG (so an env.py that catches the error still cannot go on: lockwatch
# reads the log after every command and stops) and raised as a BaseException, which `except Exception` does not
# swallow. The first proven session of a process is logged too: it tells lockwatch the guard saw the sessions.
# Fail closed: with no expected database in the environment, no session is accepted.
import os
import sys

QUERY = "select current_database(), current_setting('lockwatch.token', true)"


class LockwatchGuardError(BaseException):
    """env.py or a revision connected to a database lockwatch did not create."""


_checked = set()


def _log(line):
    path = os.environ.get("LOCKWATCH_GUARD_LOG")
    if path:
        with open(path, "a", encoding="utf-8") as log:
            log.write(line.replace("\n", " ") + "\n")


def verdict(database, token, where):
    """None when (database, token), read from the session, is lockwatch's scratch database; else the refusal."""
    expected = os.environ.get("LOCKWATCH_GUARD_DATABASE")
    expected_token = os.environ.get("LOCKWATCH_GUARD_TOKEN", "")
    if expected and database == expected and (not expected_token or token == expected_token):
        if os.getpid() not in _checked:
            _checked.add(os.getpid())
            _log("checked %d" % os.getpid())
        return None
    return "refused database %s on %s" % (database, where)


def _refuse(message, close):
    try:
        close()
    except Exception:
        pass
    _log(message)
    raise LockwatchGuardError("lockwatch: " + message + ": not lockwatch's scratch database; the session was closed"
                              " before any statement")


def _where(host, port, user):
    return "%s:%s (user %s)" % (host or "the default host", port or "the default port", user or "default")


# psycopg2 -----------------------------------------------------------------------------------------------------

def _check_psycopg2(connection, base, cursor_type):
    if connection.async_:
        _refuse("refused an asynchronous psycopg2 session, which lockwatch cannot check", connection.close)
    # the C type's own methods: a subclass (LoggingConnection) may refuse cursors until it is initialized
    cursor = base.cursor(connection, cursor_factory=cursor_type)
    try:
        cursor.execute(QUERY)
        database, token = cursor.fetchone()
    finally:
        cursor.close()
        base.rollback(connection)
    params = connection.get_dsn_parameters()
    refusal = verdict(database, token, _where(params.get("host"), params.get("port"), params.get("user")))
    if refusal:
        _refuse(refusal, connection.close)


def _patch_psycopg2(psycopg2):
    import psycopg2.extensions as extensions
    base = extensions.connection

    cursor_type = extensions.cursor

    class GuardedConnection(base):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            _check_psycopg2(self, base, cursor_type)

    original = psycopg2.connect

    def connect(dsn=None, connection_factory=None, cursor_factory=None, **kwargs):
        connection = original(dsn, connection_factory=connection_factory or GuardedConnection,
                              cursor_factory=cursor_factory, **kwargs)
        if not isinstance(connection, GuardedConnection):  # a factory subclassing the C type directly
            _check_psycopg2(connection, base, cursor_type)
        return connection

    GuardedConnection.__name__ = GuardedConnection.__qualname__ = "connection"
    extensions.connection = GuardedConnection
    psycopg2.connect = connect


# psycopg 3 ----------------------------------------------------------------------------------------------------

def _psycopg_verdict(rows, connection):
    database, token = rows
    info = connection.info
    return verdict(database, token, _where(info.host, info.port, info.user))


def _patch_psycopg(psycopg):
    from psycopg.rows import tuple_row
    sync_connect = psycopg.Connection.connect.__func__

    def connect(cls, *args, **kwargs):
        connection = sync_connect(cls, *args, **kwargs)
        with connection.cursor(row_factory=tuple_row) as cursor:
            cursor.execute(QUERY)
            rows = cursor.fetchone()
        if not connection.autocommit:
            connection.rollback()
        refusal = _psycopg_verdict(rows, connection)
        if refusal:
            _refuse(refusal, connection.close)
        return connection

    async_connect = psycopg.AsyncConnection.connect.__func__

    async def connect_async(cls, *args, **kwargs):
        connection = await async_connect(cls, *args, **kwargs)
        async with connection.cursor(row_factory=tuple_row) as cursor:
            await cursor.execute(QUERY)
            rows = await cursor.fetchone()
        if not connection.autocommit:
            await connection.rollback()
        refusal = _psycopg_verdict(rows, connection)
        if refusal:
            await connection.close()
            _refuse(refusal, lambda: None)
        return connection

    psycopg.Connection.connect = classmethod(connect)
    psycopg.AsyncConnection.connect = classmethod(connect_async)
    psycopg.connect = psycopg.Connection.connect


# asyncpg ------------------------------------------------------------------------------------------------------

def _patch_asyncpg(asyncpg):
    import asyncpg.connection as module
    original = module.connect

    async def connect(*args, **kwargs):
        connection = await original(*args, **kwargs)
        database, token = await connection.fetchrow(QUERY)
        address = connection._addr if isinstance(getattr(connection, "_addr", None), tuple) else (None, None)
        refusal = verdict(database, token, _where(address[0], address[1], None))
        if refusal:
            await connection.close()
            _refuse(refusal, lambda: None)
        return connection

    module.connect = connect
    asyncpg.connect = connect


# pg8000 -------------------------------------------------------------------------------------------------------

def _patch_pg8000(pg8000):
    original = pg8000.connect

    def connect(*args, **kwargs):
        connection = original(*args, **kwargs)
        cursor = connection.cursor()
        try:
            cursor.execute(QUERY)
            database, token = cursor.fetchone()
        finally:
            cursor.close()
        connection.rollback()
        user = kwargs.get("user", args[0] if args else None)
        refusal = verdict(database, token, _where(kwargs.get("host", "localhost"), kwargs.get("port", 5432), user))
        if refusal:
            _refuse(refusal, connection.close)
        return connection

    pg8000.connect = connect
    dbapi = sys.modules.get("pg8000.dbapi")
    if dbapi is not None and getattr(dbapi, "connect", None) is original:
        dbapi.connect = connect


# Patched right after each DBAPI module is first imported: nothing is imported that env.py does not import.
_PATCHES = {"psycopg2": _patch_psycopg2, "psycopg": _patch_psycopg, "asyncpg": _patch_asyncpg, "pg8000": _patch_pg8000}


class _PatchOnImport:
    def find_spec(self, name, path=None, target=None):
        patch = _PATCHES.get(name)
        if patch is None:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                break
        else:
            return None
        loader = spec.loader
        exec_module = loader.exec_module

        def exec_and_patch(module):
            exec_module(module)
            _patch(name, patch, module)

        loader.exec_module = exec_and_patch
        return spec


def _patch(name, patch, module):
    try:
        patch(module)
    except Exception as e:  # a version this guard does not know: its sessions stay unproven, and lockwatch
        _log("unpatched %s: %r" % (name, e))  # refuses a run whose sessions it never saw proven


def install():
    for name, patch in _PATCHES.items():
        if name in sys.modules:  # imported before lockwatch's sitecustomize ran
            _patch(name, patch, sys.modules[name])
    sys.meta_path.insert(0, _PatchOnImport())
