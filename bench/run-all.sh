#!/usr/bin/env bash
# Runs every benchmark of bench/ and writes their results, as markdown, into bench/README.md
# between the markers <!-- bench:results:start --> and <!-- bench:results:end --> (the how-to-run
# prose outside them is left alone), with the machine, the date, the commit and each command.
#
#   bench/run-all.sh           full run (about 30 minutes, plus a few the first time, to publish the
#                              baseline); results in bench/results/ and bench/README.md
#   bench/run-all.sh --smoke   seconds-long run of everything, timings not judged, README untouched
#                              (the assembled markdown is printed), no baseline built; what CI runs
#
# The benchmarks of the Lambda host (CPU, round trips, memory) measure the current bootstrap against
# the old path's, published once from the baseline commit by bench/baseline.sh (a full run builds it
# first; it is kept in artifacts/lambda-baseline/ for the next run).
#
# Each benchmark writes its section to "$BENCH_RESULTS/<name>.md" (bench/results in a full run, a
# temporary directory in a smoke run); a section this run did not write says so instead of showing
# stale figures.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

mode=full
case "${1:-}" in
  "") ;;
  --smoke) mode=smoke ;;
  -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "usage: bench/run-all.sh [--smoke]" >&2; exit 2 ;;
esac

if ! command -v moto_server >/dev/null 2>&1; then
  export PATH="$HOME/.pyenv/shims:$PATH"
fi
if ! command -v moto_server >/dev/null 2>&1; then
  echo "moto_server not found: install it with pip install \"moto[server]\"" >&2
  exit 1
fi

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
marker=$scratch/started   # sections older than this file were not written by this run
touch "$marker"
sleep 1                   # so that a section written within this second still counts as newer
if [ "$mode" = smoke ]; then
  BENCH_RESULTS=$scratch/results
  smoke=(--smoke)
else
  BENCH_RESULTS=bench/results
  smoke=()
fi
export BENCH_RESULTS BENCH_MODE=$mode
mkdir -p "$BENCH_RESULTS"
# The code measured: taken before the run, whose own results land in bench/results.
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git status --porcelain -- src bench build scripts Directory.Build.props Directory.Packages.props global.json ':(exclude)bench/results' ':(exclude)bench/README.md' 2>/dev/null)" ]; then
  commit="$commit with uncommitted changes"
fi
started=$(date +%s)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

commands=()
timings=()
failed=()

# run NAME COMMAND...: runs one benchmark, timed; a failure is recorded, and the run goes on.
run() {
  local name=$1
  shift
  echo "== $name: $*" >&2
  local t0=$SECONDS
  if "$@"; then
    timings+=("$name: $((SECONDS - t0)) s")
  else
    echo "== $name FAILED (exit $?)" >&2
    failed+=("$name")
    timings+=("$name: failed after $((SECONDS - t0)) s")
  fi
  commands+=("$*")
}

if [ "$mode" = full ]; then
  run "0. baseline bootstrap" bench/baseline.sh
fi
run "1. in-process parse + plan" \
  dotnet run -c Release --project bench/Replicator.Benchmarks -- ${smoke[@]+"${smoke[@]}"} --markdown "$BENCH_RESULTS/inprocess.md"
run "2. apply throughput" \
  dotnet run -c Release --project bench/Replicator.ApplyBench -- ${smoke[@]+"${smoke[@]}"} --markdown "$BENCH_RESULTS/apply.md"
run "3. end-to-end lag" \
  python3 bench/e2e-lag.py ${smoke[@]+"${smoke[@]}"} --markdown "$BENCH_RESULTS/e2e-lag.md" --json "$BENCH_RESULTS/e2e-lag.json"
run "4. cold start" \
  python3 bench/cold-start.py ${smoke[@]+"${smoke[@]}"} --markdown "$BENCH_RESULTS/cold-start.md" --json "$BENCH_RESULTS/cold-start.json"
run "5. memory" \
  python3 bench/memory.py ${smoke[@]+"${smoke[@]}"} --markdown "$BENCH_RESULTS/memory.md" --json "$BENCH_RESULTS/memory.json"
run "6. CPU per invocation" \
  python3 bench/cpu.py ${smoke[@]+"${smoke[@]}"} --markdown "$BENCH_RESULTS/cpu.md" --json "$BENCH_RESULTS/cpu.json"
run "7. round trips per invocation" \
  python3 bench/round-trips.py ${smoke[@]+"${smoke[@]}"} --markdown "$BENCH_RESULTS/round-trips.md" --json "$BENCH_RESULTS/round-trips.json"
run "8. backfill and verify at scale" \
  python3 bench/scale.py ${smoke[@]+"${smoke[@]}"} --markdown "$BENCH_RESULTS/scale.md" --json "$BENCH_RESULTS/scale.json"
run "9. poller at many shards" \
  python3 bench/scale-poller.py ${smoke[@]+"${smoke[@]}"} --markdown "$BENCH_RESULTS/scale-poller.md" --json "$BENCH_RESULTS/scale-poller.json"

# --- The results, as markdown -----------------------------------------------------------------
section() { # section FILE TITLE WHY-MISSING: a section this run wrote, or why there is none
  if [ -f "$1" ] && [ "$1" -nt "$marker" ]; then
    if head -n 1 "$1" | grep -q '^### '; then
      cat "$1"
    else # a section with its own title: ours instead, and its other headings one level under it
      printf '### %s%s\n' "$2" "${smoke:+ (smoke run, timings not meaningful)}"
      sed -E -e '1{/^# /d}' -e 's/^#{1,3} /#### /' "$1"
    fi
  else
    printf '### %s\n\nNot run by this script: %s\n' "$2" "$3"
  fi
  printf '\n'
}
cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n 1)
[ -n "$cpu" ] || cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
memory_gib=$(awk '/^MemTotal:/ { printf "%.0f", $2 / 1024 / 1024 }' /proc/meminfo)
moto_version=$(python3 -c 'import moto; print(moto.__version__)' 2>/dev/null || echo unknown)
elapsed=$(( $(date +%s) - started ))
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

results=$scratch/results.md
{
  echo "## Latest results"
  echo
  echo "\`bench/run-all.sh${smoke:+ --smoke}\`, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $commit; $((elapsed / 60)) min $((elapsed % 60)) s in all."
  echo
  echo "Machine: $(nproc) cores (\`nproc\`), $cpu, $memory_gib GiB RAM, Linux $(uname -r); .NET SDK $(dotnet --version),"
  echo "moto $moto_version, Python $(python3 -c 'import platform; print(platform.python_version())'). Load average (1, 5, 15 min) before the run: $load_before; after: $load_after."
  echo "moto, the replicator and the load generators share these cores."
  echo
  echo "Commands, in order:"
  echo
  for c in "${commands[@]}"; do echo "- \`$c\`"; done
  echo
  echo "Time per benchmark: $(IFS=';'; echo "${timings[*]}" | sed 's/;/; /g')."
  if [ ${#failed[@]} -gt 0 ]; then echo; echo "**Failed:** $(IFS=,; echo "${failed[*]}")."; fi
  echo
  section "$BENCH_RESULTS/inprocess.md" "1. In-process parse + plan (BenchmarkDotNet)" "it failed (see the run's output)."
  section "$BENCH_RESULTS/apply.md" "2. Apply throughput under a cross-region round trip" "it failed (see the run's output)."
  section "$BENCH_RESULTS/e2e-lag.md" "3. End-to-end lag" "it failed (see the run's output)."
  section "$BENCH_RESULTS/cold-start.md" "4. Cold start" "it failed (see the run's output)."
  section "$BENCH_RESULTS/memory.md" "5. Memory" "it failed (see the run's output)."
  section "$BENCH_RESULTS/cpu.md" "6. CPU per invocation, end to end" "it failed (see the run's output)."
  section "$BENCH_RESULTS/round-trips.md" "7. Round trips per invocation, end to end" "it failed (see the run's output)."
  section "$BENCH_RESULTS/scale.md" "8. Backfill and verify at scale (stand-in for DynamoDB)" "it failed (see the run's output)."
  section "$BENCH_RESULTS/scale-poller.md" "9. The poller at many shards" "it failed (see the run's output)."
} > "$results"

if [ "$mode" = smoke ]; then
  cat "$results"
  echo "bench/run-all.sh --smoke: every benchmark ran${failed:+, but these failed: ${failed[*]}}; timings not judged, bench/README.md untouched." >&2
else
  python3 - "$results" bench/README.md <<'EOF'
import sys
from pathlib import Path
results, readme = Path(sys.argv[1]).read_text().rstrip() + "\n", Path(sys.argv[2])
text = readme.read_text()
start, end = "<!-- bench:results:start -->", "<!-- bench:results:end -->"
if start not in text or end not in text:
    sys.exit(f"{readme}: the markers {start} and {end} are missing; put them where the results go")
head, rest = text.split(start, 1)
_, tail = rest.split(end, 1)
readme.write_text(f"{head}{start}\n{results}{end}{tail}")
EOF
  echo "bench/run-all.sh: results written to bench/README.md and $BENCH_RESULTS/" >&2
fi
[ ${#failed[@]} -eq 0 ]
