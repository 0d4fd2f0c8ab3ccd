#!/usr/bin/env bash
# Prepare a development or CI machine for Yangguang. Idempotent: a second run only checks and returns.
#
#   - Python 3.11 virtualenv in .venv, with requirements.txt installed (re-installed only when the lock changes)
#   - var/ for the SQLite database, development secrets and uploads
#   - Debian's chromium and Noto CJK fonts for the browser tests (installed with apt-get when missing)
#   - Debian's nginx for the test that runs the production nginx site (tests/test_nginx_site.py)
#   - compiled translations (.mo) when locale/ exists
#
# Environment: PYTHON (interpreter to build .venv with; default python3.11), CI=true (missing system packages
# are an error instead of a warning).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

VENV=.venv
STAMP="$VENV/.requirements.sha256"
CHROMIUM=/usr/bin/chromium
NGINX=/usr/sbin/nginx

log() { printf '[setup] %s\n' "$*"; }
warn() { printf '[setup] WARNING: %s\n' "$*" >&2; }
die() {
    printf '[setup] ERROR: %s\n' "$*" >&2
    exit 1
}
is_ci() { [ "${CI:-}" = "true" ]; }

# --- system packages ---------------------------------------------------------------------------------

APT_UPDATED=0
# as_root CMD...: run a command as root, directly or through sudo. Returns non-zero when it cannot.
as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        # Without a terminal (CI), never wait for a password prompt.
        if [ -t 0 ]; then sudo "$@"; else sudo -n "$@"; fi
    else
        warn "not root and sudo is not available: cannot run $*"
        return 1
    fi
}

# apt_install PKG...: install Debian packages, as root or through sudo. Returns non-zero on failure.
apt_install() {
    if ! command -v apt-get >/dev/null 2>&1; then
        warn "apt-get not found: install $* with your system's package manager"
        return 1
    fi
    if [ "$APT_UPDATED" -eq 0 ]; then
        log "apt-get update"
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq || return 1
        APT_UPDATED=1
    fi
    log "apt-get install -y $*"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" || return 1
}

# need_system_packages WHY PKG...: install or complain (fatal on CI, a warning elsewhere).
need_system_packages() {
    local why=$1
    shift
    if apt_install "$@"; then
        return 0
    fi
    if is_ci; then
        die "could not install $* ($why). CI=true, so this is fatal."
    fi
    warn "could not install $* ($why). Continuing; the affected steps will be skipped or fail."
    return 1
}

# (no grep -q: with pipefail, fc-list killed by SIGPIPE would make the pipeline fail)
have_cjk_font() { command -v fc-list >/dev/null 2>&1 && fc-list : family 2>/dev/null | grep "Noto Sans CJK" >/dev/null; }

# --- Python ------------------------------------------------------------------------------------------

is_py311() { "$1" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)' >/dev/null 2>&1; }

find_python() {
    local candidate
    for candidate in "${PYTHON:-python3.11}" python3; do
        if command -v "$candidate" >/dev/null 2>&1 && is_py311 "$candidate"; then
            command -v "$candidate"
            return 0
        fi
    done
    return 1
}

# A .venv whose interpreter is gone (moved Python) or is not 3.11 is rebuilt.
if [ -e "$VENV" ] && ! is_py311 "$VENV/bin/python"; then
    warn "$VENV does not run Python 3.11; rebuilding it"
    rm -rf "$VENV"
fi

if [ ! -x "$VENV/bin/python" ]; then
    PY=$(find_python) || die "Python 3.11 is required: set PYTHON=/path/to/python3.11 (python3.11 and python3 were not 3.11)"
    log "creating $VENV with $PY"
    if ! "$PY" -m venv "$VENV"; then
        rm -rf "$VENV"
        # Debian's own Python ships venv separately.
        need_system_packages "Python venv module" python3-venv python3.11-venv ||
            die "could not create $VENV: the venv module is missing"
        "$PY" -m venv "$VENV"
    fi
fi

want_hash=$(sha256sum requirements.txt | cut -d' ' -f1)
have_hash=$(cat "$STAMP" 2>/dev/null || true)
if [ "$want_hash" != "$have_hash" ]; then
    log "installing requirements.txt into $VENV"
    "$VENV/bin/python" -m pip install --disable-pip-version-check -q -r requirements.txt
    printf '%s\n' "$want_hash" >"$STAMP"
else
    log "requirements.txt unchanged since the last install"
fi

mkdir -p var/static var/media

# --- browser and fonts for the e2e tests -------------------------------------------------------------

if [ ! -x "$CHROMIUM" ] || ! have_cjk_font; then
    need_system_packages "browser tests need $CHROMIUM and the Noto CJK fonts" chromium fonts-noto-cjk || true
    if [ -x "$CHROMIUM" ] && have_cjk_font; then
        log "chromium and Noto CJK fonts installed"
    elif is_ci; then
        die "$CHROMIUM or the Noto Sans CJK fonts are still missing after apt-get install"
    fi
else
    log "chromium and Noto CJK fonts present"
fi

# --- nginx for the site test -------------------------------------------------------------------------

# The package the production guide installs (docs/deploy.md); the test runs its own nginx on loopback ports.
if [ ! -x "$NGINX" ]; then
    need_system_packages "tests/test_nginx_site.py runs $NGINX" nginx || true
    if [ -x "$NGINX" ]; then
        log "nginx installed"
        # Debian starts and enables its default site on port 80 when installing nginx. The test runs its own
        # nginx on free loopback ports, so the service we just brought in is stopped and disabled again.
        if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
            as_root systemctl disable --now nginx >/dev/null 2>&1 || true
        elif command -v service >/dev/null 2>&1; then
            as_root service nginx stop >/dev/null 2>&1 || true
        fi
    elif is_ci; then
        die "$NGINX is still missing after apt-get install"
    fi
else
    log "nginx present"
fi

# --- translations ------------------------------------------------------------------------------------

if [ -d locale ]; then
    stale=0
    while IFS= read -r -d '' po; do
        mo="${po%.po}.mo"
        if [ ! -f "$mo" ] || [ "$po" -nt "$mo" ]; then
            stale=1
            break
        fi
    done < <(find locale -name '*.po' -print0)
    if [ "$stale" -eq 1 ]; then
        if ! command -v msgfmt >/dev/null 2>&1; then
            need_system_packages "msgfmt compiles translations" gettext || true
        fi
        if command -v msgfmt >/dev/null 2>&1; then
            log "compiling translations"
            "$VENV/bin/python" manage.py compilemessages --ignore=.venv --ignore=node_modules --ignore=var
        else
            warn "msgfmt is missing: translations were not compiled"
        fi
    else
        log "translations up to date"
    fi
fi

log "done"
