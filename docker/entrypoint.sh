#!/bin/sh
# lockwatch image entrypoint: a passwd entry for an arbitrary UID (docker run --user "$(id -u):0"), then the jar
# with the JVM options every launcher shares (jvm.options) and LOCKWATCH_JAVA_OPTS after them.
set -eu
if ! whoami >/dev/null 2>&1 && [ -w /etc/passwd ]; then
  echo "lockwatch:x:$(id -u):0:lockwatch:/tmp:/bin/sh" >> /etc/passwd
  export HOME=/tmp
fi
exec java @/opt/lockwatch/jvm.options ${LOCKWATCH_JAVA_OPTS:-} -jar /opt/lockwatch/lockwatch.jar "$@"
