#!/usr/bin/python3
"""wheel.py: write lockwatch's Python wheel, a zip laid out as PEP 427 says, with no build backend.

    scripts/wheel.py JAR OUT_DIR

Reads the version from JAR (dev/lockwatch/report/version.properties), copies JAR to OUT_DIR/lockwatch-VERSION.jar
and writes OUT_DIR/lockwatch-VERSION-py3-none-any.whl holding src/main/python/lockwatch/ (the launcher), JAR as
lockwatch/lockwatch.jar, the JVM options the jar carries (dev/lockwatch/cli/jvm.options) as lockwatch/jvm.options,
and the dist-info: METADATA, WHEEL, entry_points.txt (the `lockwatch` console script) and RECORD (sha256 and
size of every file). Entries are sorted and dated SOURCE_DATE_EPOCH (default 1980-01-01), so the same inputs
make the same bytes. Prints both paths. Standard library only: nothing comes from a Python index.
"""
import base64
import hashlib
import os
import re
import sys
import time
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = os.path.join(ROOT, "src", "main", "python", "lockwatch")
JVM_OPTIONS_ENTRY = "dev/lockwatch/cli/jvm.options"
VERSION_ENTRY = "dev/lockwatch/report/version.properties"

METADATA = """\
Metadata-Version: 2.1
Name: lockwatch
Version: {version}
Summary: Live dry run of Alembic migrations on PostgreSQL that reports write-blocking locks
Requires-Python: >=3.8
Classifier: Programming Language :: Java
Classifier: Topic :: Database
Description-Content-Type: text/markdown

lockwatch runs a project's Alembic revisions on a throwaway PostgreSQL with the project's own alembic and
reports which revision would block production traffic or break a deploy. It needs a Java 17 runtime.

    pip install lockwatch-{version}-py3-none-any.whl
    lockwatch verify --git-base origin/main
"""

WHEEL = """\
Wheel-Version: 1.0
Generator: lockwatch scripts/wheel.py
Root-Is-Purelib: true
Tag: py3-none-any
"""

ENTRY_POINTS = """\
[console_scripts]
lockwatch = lockwatch:main
"""


def python_version(version):
    """PEP 440 form of a Maven version: 0.2.0-SNAPSHOT is 0.2.0.dev0."""
    result = re.sub(r"-SNAPSHOT$", ".dev0", version)
    if not re.fullmatch(r"\d+(\.\d+)*((a|b|rc)\d+)?(\.post\d+)?(\.dev\d+)?", result):
        raise SystemExit("wheel.py: version %r is not a PEP 440 version" % version)
    return result


def record_line(name, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode("ascii")
    return "%s,sha256=%s,%d" % (name, digest, len(data))


def jar_version(archive):
    for line in archive.read(VERSION_ENTRY).decode("utf-8").splitlines():
        if line.startswith("version="):
            return line[len("version="):].strip()
    raise SystemExit("wheel.py: no version= in the jar's " + VERSION_ENTRY)


def copy(source, target):
    with open(source, "rb") as f, open(target + ".part", "wb") as out:
        out.write(f.read())
    os.replace(target + ".part", target)


def build(jar, out_dir):
    """Writes the jar's copy and the wheel into out_dir; returns their paths."""
    with zipfile.ZipFile(jar) as archive:
        jvm_options = archive.read(JVM_OPTIONS_ENTRY)
        maven_version = jar_version(archive)
    version = python_version(maven_version)
    files = {}
    for name in sorted(os.listdir(PACKAGE)):
        if name.endswith(".py"):
            with open(os.path.join(PACKAGE, name), "rb") as f:
                files["lockwatch/" + name] = f.read()
    files["lockwatch/jvm.options"] = jvm_options
    with open(jar, "rb") as f:
        files["lockwatch/lockwatch.jar"] = f.read()
    info = "lockwatch-%s.dist-info/" % version
    files[info + "METADATA"] = METADATA.format(version=version).encode("utf-8")
    files[info + "WHEEL"] = WHEEL.encode("utf-8")
    files[info + "entry_points.txt"] = ENTRY_POINTS.encode("utf-8")
    record = [record_line(name, data) for name, data in sorted(files.items())] + [info + "RECORD,,"]
    files[info + "RECORD"] = ("\n".join(record) + "\n").encode("utf-8")

    stamp = time.gmtime(max(int(os.environ.get("SOURCE_DATE_EPOCH", "315532800")), 315532800))[:6]
    os.makedirs(out_dir, exist_ok=True)
    wheel = os.path.join(out_dir, "lockwatch-%s-py3-none-any.whl" % version)
    partial = wheel + ".part"
    with zipfile.ZipFile(partial, "w") as zf:
        # dist-info last, RECORD at the very end, as installers expect
        for name in sorted(files, key=lambda n: (n.startswith(info), n == info + "RECORD", n)):
            entry = zipfile.ZipInfo(name, date_time=stamp)
            entry.external_attr = 0o644 << 16
            # the jar is compressed already: stored, it costs no time and no size
            entry.compress_type = zipfile.ZIP_STORED if name.endswith(".jar") else zipfile.ZIP_DEFLATED
            zf.writestr(entry, files[name])
    os.replace(partial, wheel)
    plain = os.path.join(out_dir, "lockwatch-%s.jar" % maven_version)
    copy(jar, plain)
    return plain, wheel


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: scripts/wheel.py JAR OUT_DIR\n")
        return 2
    print("\n".join(build(argv[1], argv[2])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
