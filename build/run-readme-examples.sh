#!/usr/bin/env bash
# Runs every README code block that follows a line `<!-- ci: run -->`, in order, in one bash
# session with `set -e`, so the README's examples cannot rot.
set -euo pipefail
cd "$(dirname "$0")/.."
script=$(mktemp)
trap 'rm -f "$script"' EXIT
{
  echo 'set -euxo pipefail'
  # Whatever the examples start in the background is stopped at the end, failed or not.
  echo 'trap '"'"'kill $(jobs -p) 2>/dev/null || true'"'"' EXIT'
  awk '/<!-- ci: run -->/ { armed = 1; next }
       armed && /^```/ { if (inside) { inside = 0; armed = 0 } else { inside = 1 }; next }
       inside { print }' README.md
} > "$script"
bash "$script"
