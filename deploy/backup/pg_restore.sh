#!/usr/bin/env bash
# Restore a pg_backup.sh archive into an EMPTY database (create it first), then bring the
# schema up to date. Usage: deploy/backup/pg_restore.sh <file.dump> <libpq-url>
set -euo pipefail
dump="${1:?usage: pg_restore.sh <file.dump> <postgresql://...>}"
url="${2:?usage: pg_restore.sh <file.dump> <postgresql://...>}"
pg_restore --no-owner --no-privileges --exit-on-error --single-transaction --dbname="$url" "$dump"
echo "restored into $url"
