#!/usr/bin/env bash
# The figures in docs/install.md: size on disk and start-up time (`replicator --version`, median of
# RUNS runs, default 20, wall clock after one warm-up run) of each way the command line can be
# shipped, each built here from this checkout: the .NET tool (installed into a temporary tool path
# from artifacts/tool), a self-contained single file, and Native AOT (build/publish-cli.sh).
# Takes several minutes (two linux-x64 publishes).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
runs=${RUNS:-20}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

median_ms() {
  local samples=() i start end
  "$@" >/dev/null
  for ((i = 0; i < runs; i++)); do
    start=$(date +%s%N)
    "$@" >/dev/null
    end=$(date +%s%N)
    samples+=($(((end - start) / 100000)))
  done
  local median
  median=$(printf '%s\n' "${samples[@]}" | sort -n | sed -n "$(((runs + 1) / 2))p")
  printf '%d.%d' $((median / 10)) $((median % 10))
}
mib() { awk -v bytes="$(du -sbL "$@" | awk '{ sum += $1 } END { print sum }')" 'BEGIN { printf "%.1f", bytes / 1048576 }'; }

version=$(sed -n 's:.*<VersionPrefix>\(.*\)</VersionPrefix>.*:\1:p' Directory.Build.props)
id=$(sed -n 's:.*<PackageId>\(.*\)</PackageId>.*:\1:p' src/Replicator.Cli/Replicator.Cli.csproj)
dotnet pack src/Replicator.Cli -nologo -v quiet -o artifacts/tool >&2
printf '<configuration><packageSources><clear /><add key="local" value="%s/artifacts/tool" /></packageSources></configuration>\n' "$root" >"$work/nuget.config"
dotnet tool install --tool-path "$work/tool" --configfile "$work/nuget.config" "$id" --version "$version" >&2
dotnet publish src/Replicator.Cli -c Release -r linux-x64 --self-contained -p:PublishSingleFile=true -o "$work/single-file" -nologo -v quiet >&2
build/publish-cli.sh >&2
runtime=$(dotnet --list-runtimes | awk '$1 == "Microsoft.NETCore.App" { dir = substr($3, 2, length($3) - 2) "/" $2 } END { print dir }')

echo "| build | needs | size on disk (MiB) | \`--version\`, median of $runs (ms) |"
echo "| --- | --- | ---: | ---: |"
echo "| .NET tool (\`dotnet tool install\`) | .NET 10 runtime ($(mib "$runtime") MiB) | $(mib "$work/tool") | $(median_ms "$work/tool/replicator") |"
echo "| \`dotnet replicator.dll\` (what \`./replicator\` runs in a checkout) | .NET 10 SDK to build it | the tool's files | $(median_ms dotnet src/Replicator.Cli/bin/Release/net10.0/replicator.dll) |"
echo "| self-contained single file | nothing | $(mib "$work/single-file/replicator") | $(median_ms "$work/single-file/replicator") |"
echo "| Native AOT (\`build/publish-cli.sh\`) | glibc, OpenSSL for https | $(mib artifacts/cli/linux-x64/replicator) | $(median_ms artifacts/cli/linux-x64/replicator) |"
echo "(machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end; $(date -u +%Y-%m-%d))"
