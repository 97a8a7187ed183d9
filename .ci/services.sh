#!/usr/bin/env bash
# Throwaway PostgreSQL and Redis servers on loopback for ferrotune's storage tests.
#
#   eval "$(bash .ci/services.sh start)"   # installs (Debian packages) and starts both,
#                                          # prints `export FERROTUNE_TEST_*_URL=...` lines
#   bash .ci/services.sh stop              # stops them and deletes their data
#   bash .ci/services.sh restart-postgres  # restarts PostgreSQL (fault-injection tests)
#   bash .ci/services.sh restart-redis [S] # stops Redis (saving its data), waits S seconds
#                                          # (default 2), starts it again (fault-injection tests)
#
# The tests read FERROTUNE_TEST_POSTGRES_URL and FERROTUNE_TEST_REDIS_URL. Set
# FERROTUNE_SERVICES_DIR to change where data and logs live (default /tmp/ferrotune-services),
# FERROTUNE_PG_PORT / FERROTUNE_REDIS_PORT to change the ports (default 55432 / 56379).
set -euo pipefail

DIR="${FERROTUNE_SERVICES_DIR:-/tmp/ferrotune-services}"
PG_PORT="${FERROTUNE_PG_PORT:-55432}"
REDIS_PORT="${FERROTUNE_REDIS_PORT:-56379}"

log() { echo "[services] $*" >&2; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

pg_bin() {
    local d
    d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    [ -n "$d" ] && [ -x "$d/initdb" ] && echo "$d"
}

install_missing() {
    local pkgs=()
    [ -n "$(pg_bin)" ] || pkgs+=(postgresql)
    command -v redis-server >/dev/null 2>&1 || pkgs+=(redis-server)
    if [ ${#pkgs[@]} -gt 0 ]; then
        log "installing ${pkgs[*]}"
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            "${pkgs[@]}" >&2
    fi
}

# PostgreSQL refuses to run as root: run it as the `postgres` user when we are root.
run_pg() {
    if [ "$(id -u)" = 0 ]; then
        id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

start_postgres() {
    local bin data
    bin=$(pg_bin)
    data="$DIR/pg"
    if [ -f "$data/postmaster.pid" ] && run_pg "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
        log "postgres already running on port $PG_PORT"
        return
    fi
    rm -rf "$data"
    mkdir -p "$data"
    [ "$(id -u)" = 0 ] && chown -R postgres "$DIR"
    run_pg "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 >"$DIR/pg-init.log" 2>&1
    run_pg "$bin/pg_ctl" -D "$data" -l "$DIR/pg.log" -w -t 60 start -o "$(pg_options)" >&2
    log "postgres started on 127.0.0.1:$PG_PORT"
}

start_redis() {
    if [ -f "$DIR/redis.pid" ] && kill -0 "$(cat "$DIR/redis.pid")" 2>/dev/null; then
        log "redis already running on port $REDIS_PORT"
        return
    fi
    mkdir -p "$DIR/redis"
    redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --daemonize yes \
        --pidfile "$DIR/redis.pid" --dir "$DIR/redis" --save "" --appendonly no \
        --logfile "$DIR/redis.log" >&2
    for _ in $(seq 1 50); do
        redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break
        sleep 0.1
    done
    log "redis started on 127.0.0.1:$REDIS_PORT"
}

pg_options() {
    echo "-c listen_addresses=127.0.0.1 -c port=$PG_PORT -c unix_socket_directories=$DIR/pg \
 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
}

restart_postgres() {
    local bin
    bin=$(pg_bin)
    [ -f "$DIR/pg/postmaster.pid" ] || { log "postgres is not running"; exit 1; }
    run_pg "$bin/pg_ctl" -D "$DIR/pg" -l "$DIR/pg.log" -m fast -w -t 60 restart \
        -o "$(pg_options)" >&2
    log "postgres restarted"
}

restart_redis() {
    local down="${1:-2}"
    [ -f "$DIR/redis.pid" ] || { log "redis is not running"; exit 1; }
    local pid
    pid=$(cat "$DIR/redis.pid")
    # SHUTDOWN SAVE writes dump.rdb even without save points: the data survives the restart.
    redis-cli -p "$REDIS_PORT" shutdown save >/dev/null 2>&1 || true
    for _ in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    sleep "$down"
    rm -f "$DIR/redis.pid"
    start_redis
    log "redis restarted after ${down} s down"
}

stop_all() {
    local bin
    bin=$(pg_bin || true)
    if [ -n "$bin" ] && [ -f "$DIR/pg/postmaster.pid" ]; then
        run_pg "$bin/pg_ctl" -D "$DIR/pg" -m immediate -w stop >&2 || true
    fi
    if [ -f "$DIR/redis.pid" ]; then
        kill "$(cat "$DIR/redis.pid")" 2>/dev/null || true
        rm -f "$DIR/redis.pid"
    fi
    rm -rf "$DIR"
    log "stopped"
}

case "${1:-start}" in
start)
    mkdir -p "$DIR"
    install_missing
    start_postgres
    start_redis
    echo "export FERROTUNE_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:$PG_PORT/postgres"
    echo "export FERROTUNE_TEST_REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0"
    ;;
stop)
    stop_all
    ;;
restart-postgres)
    restart_postgres
    ;;
restart-redis)
    restart_redis "${2:-2}"
    ;;
*)
    echo "usage: $0 start|stop|restart-postgres|restart-redis [seconds]" >&2
    exit 2
    ;;
esac
