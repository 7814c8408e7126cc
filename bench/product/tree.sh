#!/usr/bin/env bash
# tree.sh [REV]: a copy of relq at one commit (default HEAD) in /tmp/product/tree-<sha>, for
# RELQ_TREE=... (seed.sh, serve.sh): the server then runs exactly that commit, and the
# uncommitted work of others in the same work tree cannot change a measurement half-way.
# Prints the folder. The bench/ scripts themselves still run from the work tree.
set -euo pipefail
REPO="$(cd "$(dirname "$0")/../.." && pwd)"
SHA=$(git -C "$REPO" rev-parse --short "${1:-HEAD}")
DIR=/tmp/product/tree-$SHA
if [[ ! -f $DIR/.complete ]]; then
  rm -rf "$DIR" && mkdir -p "$DIR"
  git -C "$REPO" archive "$SHA" | tar -x -C "$DIR"
  # the compiled catalogues are not committed (make compiles them)
  [[ -x /tmp/product/venv/bin/pybabel ]] || bash "$REPO/bench/product/setup.sh" >/dev/null
  /tmp/product/venv/bin/pybabel compile -d "$DIR/relq/translations" >/dev/null 2>&1
  touch "$DIR/.complete"
fi
echo "$DIR"
