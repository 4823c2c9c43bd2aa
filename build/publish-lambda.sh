#!/usr/bin/env bash
# Publishes the Lambda host as a Native AOT `bootstrap` for provided.al2023 (x86_64) into
# artifacts/lambda/, and fails if publishing printed any warning or if the binary needs a glibc
# newer than Amazon Linux 2023's (2.34).
set -euo pipefail
cd "$(dirname "$0")/.."

out=artifacts/lambda
log=$(mktemp)
trap 'rm -f "$log"' EXIT

dotnet publish src/Replicator.Lambda/Replicator.Lambda.csproj -c Release -r linux-x64 -o "$out" 2>&1 | tee "$log"
if grep -qiE '(^|[^0-9a-z])warning ' "$log"; then
  echo "publish-lambda: publishing printed warnings (see above); trim and AOT warnings are not allowed." >&2
  exit 1
fi

newest=$(objdump -T "$out/bootstrap" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -n 1)
if [ "$(printf '%s\n2.34\n' "$newest" | sort -V | tail -n 1)" != "2.34" ]; then
  echo "publish-lambda: bootstrap needs glibc $newest; Amazon Linux 2023 has 2.34." >&2
  exit 1
fi

size=$(stat -c %s "$out/bootstrap")
echo "publish-lambda: $out/bootstrap, $((size / 1024 / 1024)) MiB, needs glibc <= $newest, no warnings."
