#!/usr/bin/env bash
# Packs the `replicator` .NET tool, installs it from that package alone into a temporary tool path
# (a nuget.config that clears every other source: no network, nothing from a cache), and runs it
# from a temporary directory outside the checkout: `replicator --version` must print the
# repository's version (Directory.Build.props, plus the commit), `replicator demo` must pass.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

version=$(sed -n 's:.*<VersionPrefix>\(.*\)</VersionPrefix>.*:\1:p' Directory.Build.props)
id=$(sed -n 's:.*<PackageId>\(.*\)</PackageId>.*:\1:p' src/Replicator.Cli/Replicator.Cli.csproj)
[ -n "$version" ] && [ -n "$id" ] || { echo "check-tool: no VersionPrefix in Directory.Build.props or no PackageId in Replicator.Cli.csproj" >&2; exit 1; }
if ! command -v moto_server >/dev/null 2>&1; then
  export PATH="$HOME/.pyenv/shims:$PATH"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
start=$(date +%s)

dotnet pack src/Replicator.Cli -nologo -v quiet -o artifacts/tool
package="artifacts/tool/$id.$version.nupkg"
[ -f "$package" ] || { echo "check-tool: dotnet pack made no $package" >&2; exit 1; }

cat >"$work/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="replicator-local" value="$root/artifacts/tool" />
  </packageSources>
</configuration>
XML
dotnet tool install --tool-path "$work/tools" --configfile "$work/nuget.config" "$id" --version "$version"

# Run as an installed tool is run: from elsewhere, with nothing of the checkout around it.
mkdir "$work/elsewhere"
cd "$work/elsewhere"
printed=$("$work/tools/replicator" --version)
expected="^${version//./\\.}(\\+[0-9a-f]{7})?\$"
if commit=$(git -C "$root" rev-parse HEAD 2>/dev/null); then
  expected="^${version//./\\.}\\+${commit:0:7}\$"
fi
if ! [[ "$printed" =~ $expected ]]; then
  echo "check-tool: replicator --version printed '$printed'; expected $expected" >&2
  exit 1
fi
echo "check-tool: replicator --version: $printed"

"$work/tools/replicator" demo --items 200
if [ -n "$(ls -A "$work/elsewhere")" ]; then
  echo "check-tool: replicator demo left files in its working directory:" >&2
  ls -A "$work/elsewhere" >&2
  exit 1
fi
echo "check-tool: $package installed from a local source only, --version and demo passed ($(($(date +%s) - start)) s)."
