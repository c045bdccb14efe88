#!/bin/sh
# First start: initdb with POSTGRES_USER as superuser, password auth from other hosts, and
# POSTGRES_DB created. Then postgres runs as the postgres user with the arguments given.
set -eu
if [ "${1:-}" = "postgres" ] && [ "$(id -u)" = "0" ]; then
	mkdir -p "$PGDATA" /var/run/postgresql
	chown -R postgres:postgres "$PGDATA" /var/run/postgresql
	chmod 700 "$PGDATA"
	exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi
if [ "${1:-}" = "postgres" ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
	: "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD is required}"
	user=${POSTGRES_USER:-postgres}
	pwfile=$(mktemp)
	printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
	initdb --username="$user" --pwfile="$pwfile" --encoding=UTF8 --locale=C.UTF-8 --auth-local=trust --auth-host=scram-sha-256 \
		-D "$PGDATA" >/dev/null
	rm -f "$pwfile"
	echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
	# A private socket while initialising: health checks see no server until the real one.
	init_socket=$(mktemp -d)
	pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -c unix_socket_directories=$init_socket" \
		-w start >/dev/null
	db=${POSTGRES_DB:-$user}
	if [ "$db" != "postgres" ]; then
		psql -v ON_ERROR_STOP=1 -h "$init_socket" --username="$user" --dbname=postgres \
			-c "CREATE DATABASE \"$db\""
	fi
	pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
	rm -rf "$init_socket"
	echo "database initialised"
fi
if [ "${1:-}" = "postgres" ]; then
	shift
	exec postgres -c listen_addresses='*' "$@"
fi
exec "$@"
