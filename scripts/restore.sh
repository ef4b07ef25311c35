#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh into an EMPTY database and an empty attachments folder.
#
#   DATABASE_URL=postgres://user:pw@host:5432/yuci_new MEDIA_ROOT=/srv/yuci/media scripts/restore.sh /srv/backups/yuci-…
#
# Checks the backup's SHA256SUMS first; refuses a database that already has tables or a media folder
# that already has files (restoring over live data would mix two states). Create the empty database
# with `createdb -O yuci yuci_new`, restore, then point the application at it.
set -euo pipefail

die() { echo "restore: $*" >&2; exit 1; }

src="${1:-}"
[[ -d "$src" ]] || die "usage: scripts/restore.sh BACKUP_DIR (a folder made by scripts/backup.sh)"
# shellcheck source=scripts/backup_common.sh
source "$(dirname "${BASH_SOURCE[0]}")/backup_common.sh"

(cd "$src" && sha256sum --quiet --check SHA256SUMS) || die "checksums do not match: the backup is damaged"

tables="$(psql "$DATABASE_URL" -tAc "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")"
[[ "$tables" == 0 ]] || die "the target database is not empty ($tables tables); restore into a new database"
if [[ -d "$media" && -n "$(ls -A "$media")" ]]; then
    die "$media is not empty; restore into an empty folder"
fi

# One transaction: a failed restore leaves the database empty, not half-filled.
pg_restore --no-owner --no-privileges --exit-on-error --single-transaction --dbname "$DATABASE_URL" "$src/db.dump"
mkdir -p "$media"
tar -C "$media" -xzf "$src/media.tar.gz" --no-same-owner
echo "restore: done ($src → database and $media)"
