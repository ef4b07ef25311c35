#!/usr/bin/env bash
# Back up the database (pg_dump, custom format) and the attachments into a new dated folder.
#
#   DATABASE_URL=postgres://user:pw@host:5432/yuci MEDIA_ROOT=/srv/yuci/media scripts/backup.sh /srv/backups
#
# Makes DEST/yuci-YYYYmmddTHHMMSSZ/ with db.dump, media.tar.gz and SHA256SUMS, and prints its path.
# DATABASE_URL may also come from a file named by DATABASE_URL_FILE (docker secrets). pg_dump must
# be as new as the server: with docker compose, see README "Deploying" (it runs pg_dump inside the
# postgres container). Copy each backup off the machine; scripts/restore.sh puts one back.
set -euo pipefail
umask 077  # backups hold personal data: readable by their owner only

die() { echo "backup: $*" >&2; exit 1; }

dest="${1:-}"
[[ -n "$dest" ]] || die "usage: scripts/backup.sh DEST_DIR"
# shellcheck source=scripts/backup_common.sh
source "$(dirname "${BASH_SOURCE[0]}")/backup_common.sh"

out="$dest/yuci-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$out"
# --no-owner/--no-privileges: the dump restores into a database owned by another role.
pg_dump --format=custom --no-owner --no-privileges --file "$out/db.dump" --dbname "$DATABASE_URL"
if [[ -d "$media" ]]; then
    tar -C "$media" -czf "$out/media.tar.gz" .
else
    tar -czf "$out/media.tar.gz" --files-from /dev/null
fi
(cd "$out" && sha256sum db.dump media.tar.gz > SHA256SUMS)
echo "$out"
