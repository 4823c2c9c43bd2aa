#!/usr/bin/env bash
# Runs every code block that follows a line `<!-- ci: run -->` in the README and in the runbook
# (docs/operations.md), or in the documents given as arguments: each document in order, its blocks
# in order, in one bash session per document with `set -e`, so the examples cannot rot.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$#" -gt 0 ] || set -- README.md docs/operations.md
script=$(mktemp)
trap 'rm -f "$script"' EXIT
for document in "$@"; do
  echo "== examples of $document"
  {
    echo 'set -euxo pipefail'
    # Whatever the examples start in the background is stopped at the end, failed or not.
    echo 'trap '"'"'kill $(jobs -p) 2>/dev/null || true'"'"' EXIT'
    awk '/<!-- ci: run -->/ { armed = 1; next }
         armed && /^```/ { if (inside) { inside = 0; armed = 0 } else { inside = 1 }; next }
         inside { print }' "$document"
  } > "$script"
  grep -q . <(sed 1,2d "$script") || { echo "run-readme-examples.sh: $document has no block marked <!-- ci: run -->" >&2; exit 1; }
  bash "$script"
done
