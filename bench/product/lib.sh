# Sourced by seed.sh, serve.sh and the measuring scripts: which database and which relq.
#
#   db_for N     sets DB_KIND (sqlite | postgresql) and DB_URL; for SQLite DB_FILE
#                (/tmp/product/data/relq<N/1000>k.db, as before); for PostgreSQL, when
#                DATABASE_URL=postgresql[+psycopg]://... is set, PG_DB (its name, which must
#                start with relq_bench: these scripts drop and re-create it), PG_ADMIN (a libpq
#                URI of the same server's "postgres" database) and PG_SNAP (PG_DB's snapshot,
#                ${PG_DB}_snap, a template database)
#   psql_admin   psql on PG_ADMIN (-X -q -v ON_ERROR_STOP=1)
#
# RELQ_TREE: the relq to run (default: this work tree). A copy of one commit
# (`bash bench/product/tree.sh`) keeps others' uncommitted changes out of a measurement.
ROOT=/tmp/product
VENV=$ROOT/venv
TREE=${RELQ_TREE:-$REPO}

db_for() {
  local n=$1
  SQLITE_FILE=$ROOT/data/relq$((n / 1000))k.db   # also copy mode's source
  [[ $n -lt 1000 ]] && SQLITE_FILE=$ROOT/data/relq$n.db
  case ${DATABASE_URL:-} in
    ""|sqlite*)
      DB_KIND=sqlite
      DB_FILE=$SQLITE_FILE
      DB_URL=sqlite:///$DB_FILE   # as before: a SQLite DATABASE_URL is not used
      ;;
    postgres*)
      DB_KIND=postgresql
      DB_URL=$(sed -E 's#^postgres(ql)?(\+[a-z0-9]+)?://#postgresql+psycopg://#' <<<"$DATABASE_URL")
      local libpq=${DB_URL/+psycopg/}
      PG_DB=${libpq##*/}; PG_DB=${PG_DB%%\?*}
      [[ $PG_DB == relq_bench* ]] ||
        { echo "database name '$PG_DB': benchmark databases are named relq_bench* (they are dropped)" >&2; return 1; }
      PG_LIBPQ=$libpq
      PG_ADMIN=${libpq%/*}/postgres
      PG_SNAP=${PG_DB}_snap
      ;;
    *) echo "DATABASE_URL must be SQLite or PostgreSQL" >&2; return 1 ;;
  esac
}

psql_admin() { psql -X -q -v ON_ERROR_STOP=1 "$PG_ADMIN" "$@"; }

# How many cases wait for their NLP analysis (the "thread" queue runs them when a worker is idle).
pending_analyses() {
  local sql="SELECT count(*) FROM case_analyses WHERE state = 'pending'"
  if [[ $DB_KIND == sqlite ]]; then
    python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1], timeout=30).execute(sys.argv[2]).fetchone()[0])" "$DB_FILE" "$sql"
  else
    psql -X -tA "$PG_LIBPQ" -c "$sql"
  fi
}
