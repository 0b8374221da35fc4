# Helpers the benchmark scripts source: start Madoguchi's five services from a release
# build, each behind systemd-socket-activate as under systemd (the process starts on the
# first connection), with their state in a folder of the benchmark's.
#
#   BIN=…/.build/release  ROOT=…/state   (set by the caller)

mapfile -t services < <("$BIN/madoctl" services)
[ "${#services[@]}" -gt 0 ] || { echo "services.sh: $BIN/madoctl services named no service" >&2; exit 1; }
declare -A service_pid

# start_service NAME: listens on $ROOT/run/NAME.sock; the service starts on the first call.
start_service() {
    local name="$1"
    mkdir -p "$ROOT/run" "$ROOT/spool" "$ROOT/$name"
    rm -f "$ROOT/run/$name.sock"
    systemd-socket-activate -l "$ROOT/run/$name.sock" --fdname="$name" \
        "$BIN/madoguchi-$name" --runtime-dir "$ROOT/run" --state-dir "$ROOT/$name" --spool-dir "$ROOT/spool" \
        --operator-group "$(id -gn)" 2>>"$ROOT/$name.log" &
    service_pid[$name]=$!
    for _ in $(seq 200); do
        [ -S "$ROOT/run/$name.sock" ] && return 0
        sleep 0.01
    done
    echo "$name did not listen on $ROOT/run/$name.sock" >&2
    return 1
}

# stop_service NAME: SIGTERM, as systemd stops it; waits for the process to end.
stop_service() {
    local name="$1" pid="${service_pid[$1]:-}"
    [ -n "$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    unset "service_pid[$name]"
    rm -f "$ROOT/run/$name.sock"
}

start_services() { for name in "${services[@]}"; do start_service "$name"; done; }
stop_services() { for name in "${services[@]}"; do stop_service "$name"; done; }

# memory NAME FIELD: a field of the service process's /proc status in kB: VmRSS (now),
# VmHWM (peak), RssAnon (what it wrote itself rather than mapped from files).
memory() {
    awk -v field="$2:" '$1 == field { print $2 }' "/proc/${service_pid[$1]}/status"
}

# madoctl …: the release build's CLI, on this benchmark's sockets, as an operator.
madoctl() { MADOGUCHI_RUNTIME_DIR="$ROOT/run" MADOGUCHI_SPOOL_DIR="$ROOT/spool" "$BIN/madoctl" "$@"; }
