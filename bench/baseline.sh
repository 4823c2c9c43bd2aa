#!/usr/bin/env bash
# Publishes the Native AOT `bootstrap` of the baseline commit (the old path, before issue 12) into
# artifacts/lambda-baseline/, once: a later run finds artifacts/lambda-baseline/COMMIT naming the
# same commit and does nothing. The commit's own build/publish-lambda.sh does the publishing, in a
# temporary detached worktree under artifacts/ that is removed afterwards.
#
#   bench/baseline.sh [COMMIT]   default d2a9569 (the last commit before issue 12); prints the bootstrap's path
#
# Takes a few minutes the first time (a Native AOT publish from a clean tree). The benchmarks
# call it themselves when their --baseline is the default path and it is not there yet.
set -euo pipefail
cd "$(dirname "$0")/.."

commit=$(git rev-parse --verify "${1:-d2a9569}^{commit}")
out=artifacts/lambda-baseline
mkdir -p artifacts
exec 9>artifacts/lambda-baseline.lock   # two benchmarks started at once publish it once
flock 9

if [ -x "$out/bootstrap" ] && [ "$(cat "$out/COMMIT" 2>/dev/null)" = "$commit" ]; then
  echo "$out/bootstrap"
  exit 0
fi

tree=artifacts/baseline-src-${commit:0:12}
cleanup() {
  git worktree remove --force "$tree" >/dev/null 2>&1 || rm -rf "$tree"
  git worktree prune
}
trap cleanup EXIT
cleanup
git worktree add --detach "$tree" "$commit" >/dev/null 2>&1
log=$(mktemp)
echo "baseline: publishing the Native AOT bootstrap of ${commit:0:7} ($tree/build/publish-lambda.sh, a few minutes)..." >&2
if ! "$tree/build/publish-lambda.sh" >"$log" 2>&1; then
  tail -n 40 "$log" >&2
  echo "baseline: $tree/build/publish-lambda.sh failed (see above)" >&2
  rm -f "$log"
  exit 1
fi
rm -f "$log"
rm -rf "$out"
mv "$tree/artifacts/lambda" "$out"
echo "$commit" >"$out/COMMIT"
echo "baseline: $out/bootstrap ($(git log -1 --format='%h %s' "$commit" | cut -c1-80))" >&2
echo "$out/bootstrap"
