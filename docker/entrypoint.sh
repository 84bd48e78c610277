#!/bin/sh
# lockwatch image entrypoint: a passwd entry for an arbitrary UID (docker run --user "$(id -u):0"), then the jar.
set -eu
if ! whoami >/dev/null 2>&1 && [ -w /etc/passwd ]; then
  echo "lockwatch:x:$(id -u):0:lockwatch:/tmp:/bin/sh" >> /etc/passwd
  export HOME=/tmp
fi
exec java ${LOCKWATCH_JAVA_OPTS:-} -jar /opt/lockwatch/lockwatch.jar "$@"
