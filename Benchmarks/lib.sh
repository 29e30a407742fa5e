# Shared by the benchmark scripts: a release build and a throwaway PostgreSQL cluster (or the
# server named by HUB_DATABASE_URL, with HUB_ADMIN_DATABASE_URL its administrator), with a hub
# database migrated. As in production (docs/security.md): the superuser migrates as hub_owner and
# sets up the data (PSQL); the hub connects as hub_service.
# The throwaway cluster runs without fsync, synchronous commit and full-page writes unless
# DURABLE=1, which keeps PostgreSQL's defaults as a production server runs them (every page first
# written after a checkpoint goes whole into the WAL); WAL_COMPRESSION=lz4 (or pglz, on, off) sets
# wal_compression. `durability` (after sourcing) says what the server runs with, for the reports.
# SHARED_BUFFERS= sizes the cluster's shared buffers (1GB by default).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
scripts/prerequisites >/dev/null
if [ -n "${HUB_BIN:-}" ]; then
  HUB="$(cd "$(dirname "$HUB_BIN")" && pwd)/$(basename "$HUB_BIN")"
else
  echo "Building the hub (release)..." >&2
  swift build -c release --product hub >/dev/null
  HUB="$root/.build/release/hub"
fi

bench_dir="$(mktemp -d /tmp/hub-bench-XXXXXX)"
cleanup() {
  if [ -n "${pg_started:-}" ]; then $as_pg "$pg_bin/pg_ctl" -D "$bench_dir/data" -m immediate stop >/dev/null 2>&1 || true; fi
  rm -rf "$bench_dir"
}
trap cleanup EXIT

# The settings DURABLE and WAL_COMPRESSION ask for, as postgresql.conf lines.
durability_settings() {
  if [ -z "${DURABLE:-}" ]; then printf 'fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n'; fi
  if [ -n "${WAL_COMPRESSION:-}" ]; then printf "wal_compression = '%s'\n" "$WAL_COMPRESSION"; fi
}
if [ -z "${HUB_DATABASE_URL:-}" ]; then
  pg_bin="$(dirname "$(command -v pg_ctl || ls /usr/lib/postgresql/*/bin/pg_ctl | sort -V | tail -1)")"
  as_pg=""
  if [ "$(id -u)" -eq 0 ]; then chown postgres "$bench_dir"; as_pg="runuser -u postgres --"; fi
  port=$((20000 + RANDOM % 20000))
  $as_pg "$pg_bin/initdb" -D "$bench_dir/data" -U postgres --auth=trust --encoding=UTF8 --locale=C --no-sync >/dev/null
  cat >> "$bench_dir/data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$bench_dir'
port = $port
shared_buffers = ${SHARED_BUFFERS:-1GB}
max_wal_size = 8GB
$(durability_settings)
CONF
  $as_pg "$pg_bin/pg_ctl" -D "$bench_dir/data" -l "$bench_dir/server.log" -w start >/dev/null
  pg_started=1
  psql -q "host=$bench_dir port=$port user=postgres dbname=postgres" -c "CREATE DATABASE hub" >/dev/null
  export HUB_ADMIN_DATABASE_URL="host=$bench_dir port=$port user=postgres dbname=hub"
  export HUB_DATABASE_URL="host=$bench_dir port=$port user=hub_service dbname=hub"
fi
admin_url="${HUB_ADMIN_DATABASE_URL:-$HUB_DATABASE_URL}"
# The superuser bypasses row-level security, but the landlord column's default needs a landlord:
# the single council's (migration 0030, docs/scaling.md).
PSQL=(env "PGOPTIONS=-c hub.landlord=council" psql -qAtX -v ON_ERROR_STOP=1 "$admin_url")
durability=$("${PSQL[@]}" -c "SELECT 'fsync ' || current_setting('fsync') || ', synchronous_commit ' || current_setting('synchronous_commit')
  || ', full_page_writes ' || current_setting('full_page_writes') || ', wal_compression ' || current_setting('wal_compression')")

cat > "$bench_dir/hub.yaml" <<YAML
go-live: 2026-11-02
rent-calendar: rent-calendar.yaml
YAML
echo "{}" > "$bench_dir/rent-calendar.yaml"
export HUB_CONFIG="$bench_dir/hub.yaml"
"$HUB" db migrate >/dev/null

# Prints seconds elapsed since $1 (from date +%s.%N).
elapsed() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$1" "$(date +%s.%N)"; }
