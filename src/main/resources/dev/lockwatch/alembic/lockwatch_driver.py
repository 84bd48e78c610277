"""lockwatch's alembic driver: runs alembic commands one after another in one interpreter.

lockwatch writes one JSON request per line on stdin ({"op": "upgrade", "rev": "ab12", "app": "..."}) and
reads one JSON answer per line on stdout ({"ok": true} or {"ok": false, "error": "traceback"}). Everything
else alembic, env.py or a revision prints goes to stderr, so it can never corrupt the protocol. The revision
files are read once per run (the script directory is cached): they do not change while lockwatch runs.
"""
import argparse
import json
import os
import sys
import traceback

protocol = sys.stdout
sys.stdout = sys.stderr

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


def _config():
    # what alembic's own command line builds, so env.py sees the same config (x arguments included)
    options = argparse.Namespace(config=ini, name=section, raiseerr=False, x=[])
    return Config(file_=ini, ini_section=section, cmd_opts=options)


def _run(request):
    os.environ["PGAPPNAME"] = request.get("app", os.environ.get("PGAPPNAME", "lockwatch-migration"))
    op = request["op"]
    if op == "upgrade":
        command.upgrade(_config(), request["rev"])
    elif op == "downgrade":
        command.downgrade(_config(), request["rev"])
    elif op == "stamp":
        command.stamp(_config(), request["rev"])
    elif op == "current":
        command.current(_config())
    else:
        raise ValueError("unknown operation " + op)


protocol.write(json.dumps({"ready": True}) + "\n")
protocol.flush()
for line in sys.stdin:
    try:
        _run(json.loads(line))
        answer = {"ok": True}
    except SystemExit as e:  # alembic reports some errors through sys.exit
        answer = {"ok": e.code in (None, 0), "error": "alembic exited with %s" % e.code}
    except BaseException:
        answer = {"ok": False, "error": traceback.format_exc()}
    sys.stderr.flush()
    protocol.write(json.dumps(answer) + "\n")
    protocol.flush()
