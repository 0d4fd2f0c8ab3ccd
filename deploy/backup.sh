#!/bin/sh
# Back up what only this server holds: the PostgreSQL database and the uploaded files (case photos,
# receipts, import files under YANGGUANG_VAR_DIR/media). yangguang-backup.timer runs it every night as
# the service user; it can also be run by hand:
#
#   sudo -u yangguang /opt/yangguang/deploy/backup.sh [DEST [KEEP_DAYS]]
#
# Each run writes DEST/<date>T<time>/ with yangguang.dump (pg_dump custom format) and media.tar.gz, then
# deletes runs older than KEEP_DAYS. DEST defaults to /var/backups/yangguang, KEEP_DAYS to 14.
#
# The keys (YANGGUANG_FIELD_KEYS, YANGGUANG_INDEX_KEY) are deliberately NOT copied here: whoever holds a
# backup and its keys can read every ID number in it. Keep the keys apart (docs/deploy.md, "Backups").
#
# Environment: YANGGUANG_ENV_FILE (default /etc/yangguang/yangguang.env).
set -eu

ENV_FILE=${YANGGUANG_ENV_FILE:-/etc/yangguang/yangguang.env}
DEST=${1:-/var/backups/yangguang}
KEEP_DAYS=${2:-14}

set -a
# shellcheck disable=SC1090
. "$ENV_FILE"
set +a

: "${DATABASE_URL:?DATABASE_URL is not set in $ENV_FILE}"
VAR_DIR=${YANGGUANG_VAR_DIR:?YANGGUANG_VAR_DIR is not set in $ENV_FILE}

# Backups hold residents' personal data: readable by the service user only.
umask 077
stamp=$(date +%Y-%m-%dT%H%M%S)
work="$DEST/.partial-$stamp"
mkdir -p "$work"
# A half-written run never looks like a finished one: it is renamed into place only at the end.
trap 'rm -rf "$work"' EXIT

# Custom format: compressed, and pg_restore can restore it whole or table by table. One transaction
# snapshot, so the dump is consistent while the site keeps running.
pg_dump --format=custom --file="$work/yangguang.dump" "$DATABASE_URL"

if [ -d "$VAR_DIR/media" ]; then
    tar -C "$VAR_DIR" -czf "$work/media.tar.gz" media
else
    # Nothing uploaded yet: an empty archive, so that a restore needs no special case.
    tar -C "$work" -czf "$work/media.tar.gz" --files-from=/dev/null
fi

mv "$work" "$DEST/$stamp"
trap - EXIT

# Keep KEEP_DAYS days of runs (names start with the year, so hidden partial runs are never matched).
find "$DEST" -mindepth 1 -maxdepth 1 -type d -name '2*' -mtime +"$KEEP_DAYS" -exec rm -rf {} +

echo "backup.sh: $DEST/$stamp ($(du -sh "$DEST/$stamp" | cut -f1))"
