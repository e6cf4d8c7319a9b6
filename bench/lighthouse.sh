#!/usr/bin/env bash
# Lighthouse scores of the patient's six pages and the clinician's two, with Debian's Chromium (never a downloaded browser).
#
#   bench/lighthouse.sh [PAGE...]  (needs node/npm; installs tools/lighthouse from its lock file)
#
# PAGE: login, diary, history, trends, checkin, settings, clinic, review (all when none is named). BENCH_PORT
# chooses the server's port (default: any free one).
#
# Serves the app under gunicorn (2 workers, 127.0.0.1, a free port) on a temporary SQLite
# database with the demo clinic, signs in as a demo patient and the demo clinician (each
# session cookie is put in the browser's cookie jar by tools/lighthouse/signed-in.mjs), and runs
# Lighthouse 12.2.3 (the last release for Node 20) on: /login, /diary, /diary/history,
# /diary/trends, /diary/checkin and /diary/settings as a phone (Lighthouse's mobile default:
# slow 4G, 4x CPU), and /clinic and the review of a demo patient as a desktop (--preset=desktop). Prints one row per page: the
# performance, accessibility, best-practices and SEO scores, Total Blocking Time, and the
# bytes transferred. Reports are kept in bench/out/lighthouse/.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
scripts/setup requirements.txt
(cd tools/lighthouse && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)
export CHROME_PATH=${CHROMIUM:-/usr/bin/chromium}
flags="--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking --disable-component-update --disable-sync"

tmp=$(mktemp -d)
out="$root/bench/out/lighthouse"
mkdir -p "$out"
port=${BENCH_PORT:-$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
only=" $* "
export DIARY_ENV=development SECRET_KEY=$(.venv/bin/python -c 'import secrets; print(secrets.token_hex(32))')
export DATABASE_URL="sqlite:///$tmp/lighthouse.sqlite3"
unset REDIS_URL
.venv/bin/flask --app wsgi db upgrade >/dev/null 2>&1
.venv/bin/flask --app wsgi demo --password demo >/dev/null
.venv/bin/gunicorn --workers 2 --bind "127.0.0.1:$port" wsgi:app >"$tmp/gunicorn.log" 2>&1 &
server=$!
cleanup() { kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
base="http://127.0.0.1:$port"
for _ in $(seq 50); do curl -fs -o /dev/null "$base/healthz" && break; sleep 0.2; done

cookie() {  # the session cookie of a fresh sign-in
  curl -fs -c - -o /dev/null -H 'Content-Type: application/json' \
    -d "{\"email\": \"$1\", \"password\": \"demo\"}" "$base/api/v1/auth/login" |
    awk '$6 == "session" {print "session=" $7}'
}
patient=$(cookie patient1@demo.example)
clinician=$(cookie clinician@demo.example)
patient_id=$(curl -fs -H "Cookie: $clinician" "$base/api/v1/patients" | .venv/bin/python -c 'import json, sys; print(json.load(sys.stdin)[0]["id"])')

only=" $* "
run() {  # name, path, cookie, extra lighthouse flags; once more when Lighthouse says its own
  # trace failed (a runtimeError such as NO_NAVSTART: "Please run Lighthouse again")
  if [ -n "${only// /}" ] && [[ "$only" != *" $1 "* ]]; then return; fi
  run_once "$@"
  if .venv/bin/python -c 'import json, sys; sys.exit(0 if json.load(open(sys.argv[1])).get("runtimeError") else 1)' "$out/$1.json" 2>/dev/null; then
    echo "lighthouse: $2 again (its trace failed)" >&2
    run_once "$@"
  fi
}
run_once() {
  for _ in 1 2; do curl -fs -o /dev/null ${3:+-H "Cookie: $3"} "$base$2" || true; done
  rm -f "$out/$1.json"
  if [ -n "$3" ]; then
    # Signed in: the session cookie goes into the browser's cookie jar (tools/lighthouse/
    # signed-in.mjs), as after a sign-in; an extra Cookie header would miss CORS-mode requests.
    (cd tools/lighthouse && CHROME_FLAGS="$flags" node signed-in.mjs "$base$2" "${3%%=*}" "${3#*=}" \
      "$out/$1.json" ${4:-}) >/dev/null 2>&1 || echo "lighthouse failed on $2" >&2
  else
    tools/lighthouse/node_modules/.bin/lighthouse "$base$2" --quiet --chrome-flags="$flags" \
      --only-categories=performance,accessibility,best-practices,seo \
      --output=json --output-path="$out/$1.json" ${4:-} >/dev/null 2>&1 || echo "lighthouse failed on $2" >&2
  fi
}
run login /login ""
run diary /diary "$patient"
run history /diary/history "$patient"
run trends /diary/trends "$patient"
run checkin /diary/checkin "$patient"
run settings /diary/settings "$patient"
run clinic /clinic "$clinician" --preset=desktop
run review "/clinic/patients/$patient_id" "$clinician" --preset=desktop

.venv/bin/python - "$out" "$@" <<'PY'
import json, sys
from pathlib import Path
out = Path(sys.argv[1])
names = sys.argv[2:] or ["login", "diary", "history", "trends", "checkin", "settings", "clinic", "review"]
print("| page | form | performance | accessibility | best practices | SEO | TBT ms | KiB |")
print("|---|---|---:|---:|---:|---:|---:|---:|")
for name in names:
    path = out / f"{name}.json"
    if not path.exists():
        print(f"| {name} | - | failed | | | | | |")
        continue
    report = json.loads(path.read_text())
    if report.get("runtimeError"):
        print(f"| {name} | - | failed: {report['runtimeError'].get('code')} | | | | | |")
        continue
    cats = report["categories"]
    audits = report["audits"]
    form = report["configSettings"]["formFactor"]
    score = lambda c: round(100 * (cats[c]["score"] or 0))
    tbt = audits["total-blocking-time"]["numericValue"]
    kib = audits["total-byte-weight"]["numericValue"] / 1024
    print(f"| {name} | {form} | {score('performance')} | {score('accessibility')} | "
          f"{score('best-practices')} | {score('seo')} | {tbt:.0f} | {kib:.0f} |")
PY
