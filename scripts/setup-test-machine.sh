#!/usr/bin/env bash
# Makes a Debian machine ready for the test suite, as root. `npm test` (test/run.mjs) runs it before the tests
# when it runs as root on a machine with apt-get; it can be run by hand the same way.
#
#   bash scripts/setup-test-machine.sh [DEBIAN-PACKAGE...]
#
# 1. apt-get installs the packages named as arguments (test/run.mjs names the missing ones), plus PostgreSQL's
#    server and client when they are missing;
# 2. creates the PostgreSQL cluster if there is none, and starts it on 127.0.0.1:5432;
# 3. makes sure the tests can sign in: they use postgres://postgres@127.0.0.1:5432/postgres, which needs trust
#    authentication on 127.0.0.1; where a password is required (Debian's default), it makes a role
#    gatehouse_test (CREATEDB) with a new random password, through the local socket.
# Steps 2 and 3 are skipped when GATEHOUSE_TEST_PG_URL is set: that database is the caller's.
# Progress goes to stderr; stdout gets one line, the URL the tests must use as GATEHOUSE_TEST_PG_URL.
set -euo pipefail
# fd 3 is the caller's stdout, for the URL; all else (apt-get too) is progress. A server started here (by apt-get's
# postinst or pg_ctlcluster) gets `3>&-`: holding the caller's stdout open, it would keep the caller waiting.
exec 3>&1 1>&2 </dev/null
export DEBIAN_FRONTEND=noninteractive

if [ "$(id -u)" -ne 0 ]; then echo "setup-test-machine.sh must run as root" >&2; exit 1; fi

PG_HOST=127.0.0.1
PG_PORT=5432
PG_CLUSTER=main

has() { command -v "$1" >/dev/null 2>&1; }
pg_server_installed() { has pg_ctlcluster && [ -n "$(ls /usr/lib/postgresql 2>/dev/null)" ]; }
pg_ready() { pg_isready -q -h "$PG_HOST" -p "$PG_PORT" -t 2; }

install_packages() {
  local -a wanted=("$@")
  if [ -z "${GATEHOUSE_TEST_PG_URL:-}" ]; then
    pg_server_installed || wanted+=(postgresql)
    if ! has psql || ! has pg_isready; then wanted+=(postgresql-client); fi
  fi
  if [ "${#wanted[@]}" -eq 0 ]; then return 0; fi
  echo "installing with apt-get: ${wanted[*]}"
  apt-get update -o Acquire::Retries=3
  apt-get install -y --no-install-recommends -o Acquire::Retries=3 "${wanted[@]}" 3>&-
}

start_postgres() {
  if pg_ready; then return 0; fi
  local version
  # shellcheck disable=SC2012 # version folders are plain numbers
  version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -z "$version" ] || [ ! -d "/etc/postgresql/${version}/${PG_CLUSTER}" ]; then
    # Installed without a cluster (e.g. create_main_cluster = false): make the default one.
    # shellcheck disable=SC2012
    version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
    echo "creating PostgreSQL ${version} cluster ${PG_CLUSTER}"
    pg_createcluster "$version" "$PG_CLUSTER" --port "$PG_PORT"
  fi
  echo "starting PostgreSQL ${version}/${PG_CLUSTER}"
  # A cluster that is already running (on a socket only, say) is not an error; the wait below decides.
  pg_ctlcluster --skip-systemctl-redirect "$version" "$PG_CLUSTER" start 3>&- || pg_lsclusters || true
  local _
  for _ in $(seq 1 60); do
    if pg_ready; then echo "PostgreSQL is accepting connections on ${PG_HOST}:${PG_PORT}"; return 0; fi
    sleep 1
  done
  echo "PostgreSQL did not accept connections on ${PG_HOST}:${PG_PORT} within 60 s" >&2
  pg_lsclusters >&2 || true
  tail -n 30 "/var/log/postgresql/postgresql-${version}-${PG_CLUSTER}.log" >&2 2>/dev/null || true
  return 1
}

# Prints the URL the tests can sign in with.
test_login_url() {
  local url="postgres://postgres@${PG_HOST}:${PG_PORT}/postgres"
  if psql -w -q -X "$url" -c 'select 1' >/dev/null 2>&1; then echo "$url"; return 0; fi
  echo "password-less login as postgres is refused; making role gatehouse_test (CREATEDB) for the tests" >&2
  local password; password=$(od -An -tx1 -N18 /dev/urandom | tr -d ' \n')
  runuser -u postgres -- psql -q -X -v ON_ERROR_STOP=1 -p "$PG_PORT" -d postgres -v pw="$password" <<'SQL' >&2
SELECT format('CREATE ROLE gatehouse_test LOGIN CREATEDB PASSWORD %L', :'pw')
  WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'gatehouse_test')
\gexec
SELECT format('ALTER ROLE gatehouse_test LOGIN CREATEDB PASSWORD %L', :'pw')
\gexec
SQL
  url="postgres://gatehouse_test:${password}@${PG_HOST}:${PG_PORT}/postgres"
  psql -w -q -X "$url" -c 'select 1' >/dev/null
  echo "$url"
}

install_packages "$@"
if [ -n "${GATEHOUSE_TEST_PG_URL:-}" ]; then
  echo "$GATEHOUSE_TEST_PG_URL" >&3
else
  start_postgres
  test_login_url >&3
fi
