#!/usr/bin/env bash
# Back up BMAD's PostgreSQL database in pg_dump's custom format (compressed, restorable
# table by table with pg_restore). Usage: deploy/backup/pg_backup.sh <libpq-url> <out.dump>
# The drill in docs/operations.md restores it into a throw-away database; CI runs that
# drill (tests/integration/test_pg_backup.py).
set -euo pipefail
url="${1:?usage: pg_backup.sh <postgresql://...> <file.dump>}"
out="${2:?usage: pg_backup.sh <postgresql://...> <file.dump>}"
pg_dump --format=custom --no-owner --no-privileges --file="$out" "$url"
pg_restore --list "$out" >/dev/null  # the archive is readable
echo "backup written: $out"
