#!/bin/sh
# Run `manage.py` on the server the way the services run it: as the service user, with the production
# environment file. Every manage.py command in docs/deploy.md goes through this script, e.g.
#
#   sudo /opt/yangguang/deploy/manage.sh migrate
#
# Without the environment file Django would start in development mode (YANGGUANG_DEBUG defaults to true)
# and write development secrets under the code directory; as root it would leave root-owned files under
# /var/lib/yangguang that the services cannot write.
#
# Environment: YANGGUANG_ENV_FILE (default /etc/yangguang/yangguang.env), YANGGUANG_USER (default yangguang).
set -eu

ENV_FILE=${YANGGUANG_ENV_FILE:-/etc/yangguang/yangguang.env}
SERVICE_USER=${YANGGUANG_USER:-yangguang}
APP_DIR=$(cd "$(dirname "$0")/.." && pwd)

if [ "$(id -u)" -eq 0 ] && [ "$SERVICE_USER" != root ]; then
    home=$(getent passwd "$SERVICE_USER" | cut -d: -f6)
    exec runuser -u "$SERVICE_USER" -- env HOME="$home" YANGGUANG_ENV_FILE="$ENV_FILE" YANGGUANG_USER="$SERVICE_USER" \
        "$0" "$@"
fi

if [ ! -r "$ENV_FILE" ]; then
    echo "manage.sh: cannot read $ENV_FILE (see docs/deploy.md, step 5)" >&2
    exit 1
fi

set -a
# shellcheck disable=SC1090
. "$ENV_FILE"
set +a

# Files written by hand-run commands: collectstatic's must be readable by nginx (www-data); uploads stay
# private because /var/lib/yangguang/media itself is 0700 (docs/deploy.md, step 2).
umask 022
cd "$APP_DIR"
exec "$APP_DIR/.venv/bin/python" manage.py "$@"
