# lockwatch: put on PYTHONPATH only for the alembic processes lockwatch starts against its scratch database.
# Tags each SQL statement with the revision-file line that issued it (the innermost frame in a version
# folder: the op.* call or op.execute), as a leading comment the watcher strips again:
#   /* lockwatch-source <absolute path>:<line> */ CREATE INDEX ...
# It changes no file and no statement's meaning. Afterwards it runs the sitecustomize it shadows, if any.
# First of all it installs lockwatch's connection guard (lockwatch_guard.py, next to this file).
import os
import sys


def _lockwatch_guard():
    try:
        import lockwatch_guard
        lockwatch_guard.install()
    except Exception:  # no session is proven then, and lockwatch refuses to run (fail closed)
        pass


def _lockwatch_install():
    roots = [os.path.realpath(p) for p in os.environ.get("LOCKWATCH_SOURCE_ROOTS", "").split(os.pathsep) if p]
    if not roots:
        return
    try:
        from sqlalchemy import event
        from sqlalchemy.engine import Engine
    except Exception:  # not alembic's interpreter (poetry, a shell wrapper): nothing to tag
        return
    known = {}

    def in_versions(filename):
        inside = known.get(filename)
        if inside is None:
            real = os.path.realpath(filename)
            inside = any(real == r or real.startswith(r + os.sep) for r in roots)
            known[filename] = inside
        return inside

    def tag(conn, cursor, statement, parameters, context, executemany):
        frame = sys._getframe(1)
        while frame is not None:
            filename = frame.f_code.co_filename
            if in_versions(filename):
                path = os.path.realpath(filename).replace("*/", "*_/")
                if formatted(conn, context, parameters):
                    path = path.replace("%", "%%")  # the DBAPI turns %% back into the path's %
                return "/* lockwatch-source %s:%d */ %s" % (path, frame.f_lineno, statement), parameters
            frame = frame.f_back
        return statement, parameters

    def formatted(conn, context, parameters):
        """Whether the DBAPI %-formats this statement: a format/pyformat one (psycopg2) given parameters, even
        empty ones, as SQLAlchemy passes them unless the execution asked for none."""
        if parameters is None or getattr(conn.dialect, "paramstyle", "") not in ("format", "pyformat"):
            return False
        return bool(parameters) or not (context is not None and getattr(context, "no_parameters", False))

    event.listen(Engine, "before_cursor_execute", tag, retval=True)


def _lockwatch_chain():
    """Runs the sitecustomize this one shadows (Debian's, a virtualenv's), as Python would have."""
    here = os.path.dirname(os.path.abspath(__file__))
    import importlib.util
    for entry in sys.path:
        if not entry or os.path.abspath(entry) == here:
            continue
        candidate = os.path.join(entry, "sitecustomize.py")
        if os.path.isfile(candidate):
            spec = importlib.util.spec_from_file_location("_lockwatch_shadowed_sitecustomize", candidate)
            module = importlib.util.module_from_spec(spec)
            try:
                spec.loader.exec_module(module)
            except Exception:
                pass
            return


try:
    _lockwatch_guard()
    _lockwatch_install()
finally:
    _lockwatch_chain()
