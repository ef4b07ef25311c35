#!/usr/bin/env bash
# Load test: gunicorn on 127.0.0.1 with production-like settings (DEBUG off, a long SECRET_KEY,
# ALLOWED_HOSTS=127.0.0.1, manifest static files) against a bench-sized PostgreSQL database, driven
# by wrk on the ledger (/risks/) and the dashboard (/dashboard/) as logged-in people (a district
# leader; a township official and his township's leader), their requests interleaved. Every
# response must be a 200.
#
#   scripts/loadtest.sh                                   # builds 100,000 risks, tests, drops them
#   BENCH_DB=bench_load scripts/loadtest.sh               # reuses a database from
#                                                         # `manage.py bench --keep --build-only`
#
# Environment: PG_URL (postgres://postgres@127.0.0.1:5432), RISKS (100000), DURATION (30s),
# CONNECTIONS (16), THREADS (2), WORKERS (gunicorn, 4), PORT (a free one), OUT (a JSON file for the
# figures; default bench/results/loadtest-<date>.json). Needs wrk (apt-get install -y wrk).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY="$PWD/.venv/bin/python"
PG_URL="${PG_URL:-postgres://postgres@127.0.0.1:5432}"
RISKS="${RISKS:-100000}"
DURATION="${DURATION:-30s}"
CONNECTIONS="${CONNECTIONS:-16}"
THREADS="${THREADS:-2}"
WORKERS="${WORKERS:-4}"
# A free port unless one is given: another server on a fixed port would answer in our place.
PORT="${PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
OUT="${OUT:-bench/results/loadtest-$(date -u +%Y-%m-%d).json}"

log() { echo "loadtest: $*"; }
command -v wrk >/dev/null || { log "wrk is missing: apt-get install -y wrk"; exit 2; }

work="$(mktemp -d)"
gunicorn_pid=""
built_db=""
cleanup() {
    if [[ -n "$gunicorn_pid" ]]; then kill "$gunicorn_pid" 2>/dev/null || true; wait "$gunicorn_pid" 2>/dev/null || true; fi
    if [[ -n "$built_db" ]]; then
        log "dropping $built_db"
        psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS \"$built_db\"" || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

if [[ -z "${BENCH_DB:-}" ]]; then
    BENCH_DB="bench_load_$$"
    log "building $RISKS risks in $BENCH_DB (manage.py bench --keep --build-only)"
    DATABASE_URL="$PG_URL/$BENCH_DB" "$PY" manage.py bench --risks "$RISKS" --keep --build-only \
        --database-name "$BENCH_DB" >"$work/build.log"
    built_db="$BENCH_DB"
fi

# Production-like settings: no debug, a real key, manifest static files in a throwaway folder.
export DEBUG=false
export SECRET_KEY="loadtest-$(head -c 48 /dev/urandom | base64 | tr -d '/+=\n')"
export ALLOWED_HOSTS=127.0.0.1
export DATABASE_URL="$PG_URL/$BENCH_DB"
export VAR_DIR="$work/var"
export LOG_LEVEL=WARNING
export DJANGO_SETTINGS_MODULE=yuci_security.settings
unset REDIS_URL
"$PY" manage.py migrate --noinput -v 0  # a database kept from an older checkout lacks newer tables
"$PY" manage.py collectstatic --noinput -v 0

# Log in once per person: a session in the database, its cookie reused by every request.
cookies="$("$PY" - <<'EOF'
from django import setup
setup()
from django.conf import settings
from django.contrib.auth import get_user_model

from risks.bench.measure import signed_in_client

for username in ("leader", "official", "unitleader"):
    client = signed_in_client(get_user_model().objects.get(username=username))
    print(f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}")
EOF
)"
COOKIE_LEADER="$(sed -n 1p <<<"$cookies")"
COOKIE_OFFICIAL="$(sed -n 2p <<<"$cookies")"
COOKIE_UNITLEADER="$(sed -n 3p <<<"$cookies")"
export COOKIE_LEADER COOKIE_OFFICIAL COOKIE_UNITLEADER

"$PWD/.venv/bin/gunicorn" yuci_security.wsgi --bind "127.0.0.1:$PORT" --workers "$WORKERS" --timeout 60 \
    --access-logfile "$work/access.log" --error-logfile "$work/error.log" &
gunicorn_pid=$!
for _ in $(seq 1 100); do
    kill -0 "$gunicorn_pid" 2>/dev/null || { log "gunicorn did not start"; cat "$work/error.log"; exit 1; }
    [[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $COOKIE_LEADER" -H "X-Forwarded-Proto: https" \
        "http://127.0.0.1:$PORT/risks/")" == 200 ]] && break
    sleep 0.2
done
# Warm every worker before measuring.
wrk -t "$THREADS" -c "$CONNECTIONS" -d 5s -s scripts/loadtest.lua "http://127.0.0.1:$PORT" >/dev/null
warm_lines="$(wc -l <"$work/access.log")"

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
log "wrk -t $THREADS -c $CONNECTIONS -d $DURATION on /risks/ and /dashboard/ (leader, official, unit leader)"
wrk -t "$THREADS" -c "$CONNECTIONS" -d "$DURATION" --timeout 30s --latency -s scripts/loadtest.lua \
    "http://127.0.0.1:$PORT" | tee "$work/wrk.txt"
sleep 1  # let gunicorn write its last log lines

summary="$(grep '^JSON ' "$work/wrk.txt" | cut -c6-)"
# The measured requests' status codes, from gunicorn's access log (wrk counts only >= 400).
tail -n +"$((warm_lines + 1))" "$work/access.log" >"$work/measured.log"
statuses="$(awk '{print $9}' "$work/measured.log" | sort | uniq -c | awk '{printf "%s\"%s\": %s", (NR>1?", ":""), $2, $1}')"
non_200="$(awk '$9 != 200' "$work/measured.log" | wc -l)"
[[ -s "$work/measured.log" ]] || { log "FAILED: gunicorn logged no request"; exit 1; }
mkdir -p "$(dirname "$OUT")"
risks_in_db="$(psql "$DATABASE_URL" -tAc 'SELECT count(*) FROM risks_risk')"
cat >"$OUT" <<EOF
{
  "date": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
  "commit": "$(git rev-parse HEAD 2>/dev/null || true)",
  "risks": $risks_in_db,
  "server": "gunicorn, $WORKERS sync workers, DEBUG=false, PostgreSQL",
  "tool": "wrk -t $THREADS -c $CONNECTIONS -d $DURATION --timeout 30s",
  "load_average_before": "$load_before",
  "pages": ["/risks/ (leader)", "/dashboard/ (leader)", "/risks/ (official)", "/dashboard/ (unit leader)"],
  "wrk": $summary,
  "status_codes": {$statuses},
  "non_200": $non_200
}
EOF
log "figures in $OUT"
cat "$OUT"
errors="$(grep -o '"errors": {[^}]*}' <<<"$summary" | grep -o '[0-9]\+' | awk '{s += $1} END {print s + 0}')"
if [[ "$non_200" != 0 || "$errors" != 0 ]]; then
    log "FAILED: $non_200 responses were not 200, wrk counted $errors errors (connect, read, write, status, timeout)"
    tail -20 "$work/error.log"
    exit 1
fi
