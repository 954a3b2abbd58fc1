# Start a throw-away PostgreSQL 15 + PostGIS 3 cluster on 127.0.0.1 and export
# SHIPSIGHT_TEST_PG_URL for the tests. Sourced by .ci/run; usable by hand too:
#   source .ci/postgis.sh && start_postgis
start_postgis() {
    local bin=/usr/lib/postgresql/15/bin port=${SHIPSIGHT_PG_PORT:-54329}
    local data
    data=$(mktemp -d /tmp/shipsight-pg.XXXXXX)
    chown postgres "$data"
    su postgres -s /bin/sh -c "$bin/initdb -D $data/data -A trust -U postgres >/dev/null"
    su postgres -s /bin/sh -c "$bin/pg_ctl -D $data/data -l $data/log -w \
        -o \"-c listen_addresses=127.0.0.1 -p $port -k $data -c fsync=off\" start >/dev/null"
    psql -h 127.0.0.1 -p "$port" -U postgres -qc "CREATE DATABASE shipsight_test"
    psql -h 127.0.0.1 -p "$port" -U postgres -d shipsight_test -qc "CREATE EXTENSION postgis"
    export SHIPSIGHT_TEST_PG_URL="postgresql://postgres@127.0.0.1:$port/shipsight_test"
    echo "PostGIS test server: $SHIPSIGHT_TEST_PG_URL"
}
