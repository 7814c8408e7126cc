#!/usr/bin/env bash
# relq for the side-by-side benchmark: venv /tmp/product/venv, data under /tmp/product/data.
#   bash bench/product/setup.sh
#
# The venv is built from the work tree's own requirements.txt (the pinned versions
# `make run` installs), not the project's .venv: like the peer's and the ceiling's,
# the server under test then runs from a venv that holds exactly the app's pins and
# nothing a developer added by hand (.venv also carries dev tools and whatever is being
# tried out), and the run is reproducible on a fresh machine.  relq itself is not
# installed: gunicorn imports it from the work tree (--chdir), so the run measures the
# code as it is now.  USE_PROJECT_VENV=1 uses /work/main/.venv instead (a symlink).
# Idempotent: pip runs again only when requirements.txt changed.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
ROOT=/tmp/product
VENV=$ROOT/venv
mkdir -p $ROOT/data $ROOT/instance
if [[ ${USE_PROJECT_VENV:-0} == 1 ]]; then
  [[ -L $VENV || ! -e $VENV ]] || { echo "$VENV exists and is not a link; remove it first" >&2; exit 1; }
  ln -sfn "$REPO/.venv" $VENV
else
  [[ -L $VENV ]] && rm -f $VENV
  [[ -x $VENV/bin/python ]] || python3.11 -m venv $VENV 2>/dev/null || python3 -m venv $VENV
  STAMP=$VENV/.requirements.sha256
  SUM=$(sha256sum "$REPO/requirements.txt" | cut -d' ' -f1)
  if [[ ! -f $STAMP || $(cat $STAMP) != "$SUM" ]]; then
    $VENV/bin/pip install -q --disable-pip-version-check -r "$REPO/requirements.txt" 2>&1 \
      | { grep -v "WARNING: Location" || true; }
    echo "$SUM" > $STAMP
  fi
fi
# One secret for seed.sh and serve.sh (production config wants >= 32 characters).
[[ -s $ROOT/secret_key ]] || { umask 077; $VENV/bin/python -c 'import secrets; print(secrets.token_urlsafe(48))' > $ROOT/secret_key; }
command -v wrk >/dev/null || echo "note: wrk not found; 'apt-get install -y wrk' (load.py falls back to --engine py)"
echo "relq $(git -C "$REPO" rev-parse --short HEAD)$([[ -z "$(git -C "$REPO" status --porcelain -- relq templates config.py wsgi.py migrations 2>/dev/null)" ]] || echo '+uncommitted'): $($VENV/bin/python -c 'import flask, sqlalchemy, jinja2; from importlib.metadata import version as v; print("python", __import__("platform").python_version(), "flask", v("flask"), "sqlalchemy", sqlalchemy.__version__, "jinja2", jinja2.__version__, "werkzeug", v("werkzeug"), "flask-babel", v("flask-babel"))'), gunicorn $($VENV/bin/gunicorn --version 2>&1 | awk '{print $NF}' | tr -d ')'), venv $VENV"
