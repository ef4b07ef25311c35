# Shared by scripts/backup.sh and scripts/restore.sh (sourced, not run): the database URL (from
# DATABASE_URL or the file DATABASE_URL_FILE names) and the attachments folder (MEDIA_ROOT).
# Sets DATABASE_URL and media; expects die() to be defined.

if [[ -z "${DATABASE_URL:-}" && -n "${DATABASE_URL_FILE:-}" ]]; then
    DATABASE_URL="$(cat "$DATABASE_URL_FILE")"
fi
[[ "${DATABASE_URL:-}" == postgres* ]] || die "DATABASE_URL must name a PostgreSQL database"
media="${MEDIA_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/var/media}"
