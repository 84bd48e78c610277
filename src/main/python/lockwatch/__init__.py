"""lockwatch: a live dry run of Alembic migrations on PostgreSQL.

The Python package only launches the bundled Java program (lockwatch.jar, beside this file) with the JVM options
every lockwatch launcher shares (jvm.options, copied from the jar when the wheel was built), and tells it to run
the alembic of this interpreter (``python -m alembic``), so env.py imports the project's application exactly as
the project's own ``alembic upgrade`` does.
"""
import importlib.util
import os
import shlex
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
JAR = os.path.join(HERE, "lockwatch.jar")
JVM_OPTIONS = os.path.join(HERE, "jvm.options")
ENVIRONMENT_FAILURE = 3


def find_java(environ=os.environ):
    """JAVA_HOME's java when set, else the first java on PATH; None when there is neither."""
    home = environ.get("JAVA_HOME")
    if home:
        candidate = os.path.join(home, "bin", "java")
        if os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("java", path=environ.get("PATH", os.defpath))


def jvm_options(path=JVM_OPTIONS):
    """The options of the java @argfile jvm.options: words, # comments to the end of a line."""
    options = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            options.extend(line.split("#", 1)[0].split())
    return options


def alembic_command(environ=os.environ):
    """This interpreter's alembic when it has one; otherwise nothing, and lockwatch runs alembic from PATH
    (pipx installs lockwatch in an environment of its own: pass --alembic then)."""
    if environ.get("LOCKWATCH_ALEMBIC") or importlib.util.find_spec("alembic") is None:
        return None
    return shlex.join([sys.executable, "-m", "alembic"])


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    java = find_java()
    if java is None:
        sys.stderr.write("lockwatch: no Java found on PATH or in JAVA_HOME: lockwatch needs a Java 17 or newer "
                         "runtime, e.g. apt-get install openjdk-17-jre-headless, brew install openjdk@17, or "
                         "actions/setup-java in GitHub Actions\n")
        return ENVIRONMENT_FAILURE
    environ = dict(os.environ)
    alembic = alembic_command(environ)
    if alembic is not None:
        environ["LOCKWATCH_ALEMBIC"] = alembic
    command = [java] + jvm_options() + ["-jar", JAR] + list(argv)
    if os.name == "posix":
        os.execve(java, command, environ)  # lockwatch gets this process: signals and the exit status are its own
    return subprocess.call(command, env=environ)
