#!/usr/bin/env bash
# Publishes the `replicator` command line as one Native AOT executable for linux-x64 machines
# without the .NET runtime: artifacts/cli/linux-x64/replicator (docs/install.md). Fails if
# publishing printed any warning (trim and AOT warnings mean code that may fail at run time only
# in this build). About 2 CPU-minutes, so CI does not run it; `build/measure-cli.sh` measures it.
set -euo pipefail
cd "$(dirname "$0")/.."

rid=linux-x64
out=artifacts/cli/$rid
staging=$(mktemp -d)
log=$(mktemp)
trap 'rm -rf "$staging" "$log"' EXIT

dotnet publish src/Replicator.Cli/Replicator.Cli.csproj -c Release -r "$rid" -p:PublishAot=true -o "$staging" -nologo 2>&1 | tee "$log"
if grep -qiE '(^|[^0-9a-z])warning ' "$log"; then
  echo "publish-cli: publishing printed warnings (see above); trim and AOT warnings are not allowed." >&2
  exit 1
fi

# The executable alone: the symbols (replicator.dbg, the .pdb files) stay behind.
mkdir -p "$out"
cp "$staging/replicator" "$out/replicator"
newest=$(objdump -T "$out/replicator" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -n 1)
size=$(stat -c %s "$out/replicator")
echo "publish-cli: $out/replicator $("$out/replicator" --version), $((size / 1024 / 1024)) MiB, needs glibc >= $newest, no warnings."
