#!/bin/sh
# Entrypoint of the locally built image lockwatch/postgres-local:15 (see README.md).
#
# A small POSIX-sh (busybox ash) re-implementation of the parts of the official
# postgres image's docker-entrypoint.sh that Testcontainers and our tests rely on:
#   * POSTGRES_PASSWORD / POSTGRES_USER / POSTGRES_DB / POSTGRES_INITDB_ARGS /
#     POSTGRES_HOST_AUTH_METHOD, PGDATA (default /var/lib/postgresql/data)
#   * first start: initdb (UTF8, C.UTF-8 locale, or C if no locale files), password
#     auth over TCP (scram-sha-256), listen_addresses='*', port 5432, then a
#     temporary socket-only server runs the init (create POSTGRES_DB,
#     /docker-entrypoint-initdb.d/*.sql|*.sql.gz|*.sh) and is stopped again
#   * finally `exec postgres "$@"`, so the real server is PID 1 and gets the
#     container's stop signal.
# Like the official image, a fresh container therefore logs
# "database system is ready to accept connections" twice; Testcontainers'
# PostgreSQLContainer waits for exactly that.
set -eu

PG_BINDIR=/usr/lib/postgresql/15/bin
PATH="$PG_BINDIR:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
export PATH
PGDATA="${PGDATA:-/var/lib/postgresql/data}"
export PGDATA

log() { echo "lockwatch-entrypoint: $*" >&2; }

# `docker run IMAGE -c fsync=off` means `postgres -c fsync=off`
if [ "$#" -eq 0 ] || [ "${1#-}" != "$1" ]; then
	set -- postgres "$@"
fi

# Anything else (sh, psql, pg_dump ...) is run as is.
if [ "$1" != postgres ]; then
	exec "$@"
fi

# As root: prepare directories, then re-exec this script as user postgres.
# (busybox su execs the shell, which execs us: no extra process stays around.
# The `--` matters: busybox su permutes options, so without it a later
# `-c fsync=off` in "$@" would replace su's own -c command.)
if [ "$(id -u)" = 0 ]; then
	mkdir -p "$PGDATA" /var/run/postgresql
	chown -R postgres:postgres "$PGDATA"
	chmod 700 "$PGDATA"
	chown postgres:postgres /var/run/postgresql
	chmod 3777 /var/run/postgresql
	exec su -s /bin/sh -c 'exec "$0" "$@"' -- postgres "$0" "$@"
fi

if [ ! -s "$PGDATA/PG_VERSION" ]; then
	auth="${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}"
	if [ -z "${POSTGRES_PASSWORD:-}" ] && [ "$auth" != trust ]; then
		log "error: database is uninitialized and POSTGRES_PASSWORD is not set" \
			"(set it, or POSTGRES_HOST_AUTH_METHOD=trust)"
		exit 1
	fi
	POSTGRES_USER="${POSTGRES_USER:-postgres}"
	POSTGRES_DB="${POSTGRES_DB:-$POSTGRES_USER}"

	if [ -d /usr/lib/locale/C.utf8 ]; then
		locale_args="--locale=C.UTF-8"
	else
		locale_args="--locale=C"
	fi

	pwfile=
	if [ -n "${POSTGRES_PASSWORD:-}" ]; then
		pwfile="$(mktemp /tmp/pwfile.XXXXXX)"
		printf '%s\n' "$POSTGRES_PASSWORD" > "$pwfile"
	fi

	log "initializing database in $PGDATA (user $POSTGRES_USER, db $POSTGRES_DB)"
	# shellcheck disable=SC2086  # POSTGRES_INITDB_ARGS is word-split on purpose (like upstream)
	initdb --username="$POSTGRES_USER" ${pwfile:+--pwfile="$pwfile"} \
		--encoding=UTF8 $locale_args \
		--auth-local=trust --auth-host="$auth" \
		${POSTGRES_INITDB_ARGS:-}
	[ -z "$pwfile" ] || rm -f "$pwfile"

	printf "\nlisten_addresses = '*'\nport = 5432\n" >> "$PGDATA/postgresql.conf"
	printf '\nhost all all all %s\n' "$auth" >> "$PGDATA/pg_hba.conf"

	# Temporary server: unix socket only, so nobody can connect over TCP before init is done.
	pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p 5432" -w start

	psql_cmd() {
		psql -v ON_ERROR_STOP=1 --no-psqlrc --no-password --username "$POSTGRES_USER" "$@"
	}
	if [ "$POSTGRES_DB" != postgres ]; then
		psql_cmd --dbname postgres --set db="$POSTGRES_DB" <<'EOSQL'
SELECT format('CREATE DATABASE %I', :'db')
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db') \gexec
EOSQL
	fi

	for f in /docker-entrypoint-initdb.d/*; do
		[ -e "$f" ] || continue
		case "$f" in
			*.sh)
				log "running $f"
				if [ -x "$f" ]; then "$f"; else . "$f"; fi ;;
			*.sql)
				log "running $f"
				psql_cmd --dbname "$POSTGRES_DB" -f "$f" ;;
			*.sql.gz)
				log "running $f"
				gunzip -c "$f" | psql_cmd --dbname "$POSTGRES_DB" ;;
			*)
				log "ignoring $f" ;;
		esac
	done

	pg_ctl -D "$PGDATA" -m fast -w stop
	log "PostgreSQL init process complete; ready for start up."
fi

exec "$@"
