#!/usr/bin/env bash
# Serve the dashboard locally: web on 127.0.0.1:$PORT, a Celery worker and beat (Procfile).
# Called by `make run` after `make setup`; seeds the demo district the first time.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$PWD/.venv/bin:$PATH"
PORT="${PORT:-8000}"
VAR_DIR="${VAR_DIR:-$PWD/var}"

# Redis only when REDIS_URL is set and answers; otherwise settings fall back to the filesystem
# broker under var/broker, so reminders still work with nothing else installed.
if [[ -n "${REDIS_URL:-}" ]]; then
    if python -c 'import os, redis; redis.Redis.from_url(os.environ["REDIS_URL"], socket_connect_timeout=2).ping()' \
        2>/dev/null; then
        echo "run: Celery broker: Redis (REDIS_URL)"
    else
        echo "run: REDIS_URL is set but Redis does not answer; using the filesystem broker under var/broker"
        unset REDIS_URL
    fi
else
    echo "run: Celery broker: filesystem under var/broker (set REDIS_URL to use Redis)"
fi

# The demo accounts have no authenticator app: the local demo asks no second factor unless
# TWO_FACTOR_REQUIRED_ROLES is set in the shell. Production's default (settings) asks it of admins,
# security admins, auditors and district leaders.
export TWO_FACTOR_REQUIRED_ROLES="${TWO_FACTOR_REQUIRED_ROLES-}"

# Seed the demo district once per database. The stamp is named after the database, so pointing
# DATABASE_URL elsewhere seeds that one too; `make migrate` drops it when the SQLite file is new.
db_key="$(printf '%s' "${DATABASE_URL:-sqlite}" | sha256sum | cut -c1-12)"
stamp="$VAR_DIR/demo-seeded-$db_key"
if [[ ! -f "$stamp" ]]; then
    echo "run: seeding the demo district (python manage.py seed_demo)"
    python manage.py seed_demo ${DEMO_PASSWORD:+--password "$DEMO_PASSWORD"}
    touch "$stamp"
fi

# Catch up on reminders before the worker and beat start: beat's hourly sweep would do it within
# the hour; running it now means the notification centre is filled when the first page opens.
# It is idempotent, so a restart sends nothing twice; the worker delivers e-mails and robots.
echo "run: catching up on reminders (python manage.py send_reminders --no-deliver)"
python manage.py send_reminders --no-deliver || echo "run: the reminder sweep failed; beat runs it again within the hour"

echo "run: serving http://127.0.0.1:$PORT (Ctrl-C stops web, worker and beat)"
# -e /dev/null: .env is for docker compose (its hosts are container names); settings read only
# the real environment, so the processes here must see exactly what migrate and seed_demo saw.
exec honcho start -f Procfile -e /dev/null -p "$PORT"
