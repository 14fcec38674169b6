#!/usr/bin/env bash
# Compiles every Bicep entry point and lints every Bicep file of infra/ with the real Bicep CLI,
# restored from NuGet by `dotnet restore` (tools/bicep/bicep.csproj) into .local/nuget.
# Exit 0: clean (or skipped because dotnet is absent: said so); 1: a compile or lint error.
# Lint rules and their levels: infra/bicepconfig.json. Warnings are printed; they fail the check
# too, except use-recent-api-versions, whose verdict changes with the calendar, not the code.
# Compiled templates go to .local/bicep/ (test/infra reads them through the same CLI).
# Usage: bash tools/bicep/check.sh [--print-bin]
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
version=$(sed -n 's:.*<BicepVersion>\(.*\)</BicepVersion>.*:\1:p' tools/bicep/bicep.csproj)
packages="$root/.local/nuget"
bin="$packages/azure.bicep.commandline.linux-x64/$version/tools/bicep"

if [ ! -x "$bin" ]; then
  if ! command -v dotnet >/dev/null 2>&1; then
    echo "bicep: skipped (dotnet is not installed; the Bicep CLI is restored from NuGet with dotnet)"
    exit 0
  fi
  echo "bicep: restoring Azure.Bicep.CommandLine.linux-x64 $version from NuGet"
  if ! DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 dotnet restore tools/bicep/bicep.csproj --packages "$packages" -p:MSBuildProjectExtensionsPath="$root/.local/bicep-restore/" --nologo -v quiet; then
    echo "bicep: FAILED to restore the Bicep CLI from NuGet"
    exit 1
  fi
  chmod +x "$bin" 2>/dev/null || true
fi
if [ "${1:-}" = "--print-bin" ]; then echo "$bin"; exit 0; fi
"$bin" --version

entries=(infra/main.bicep infra/app/dataset-events.bicep)
out=.local/bicep
mkdir -p "$out"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
failed=0
for f in "${entries[@]}"; do
  if ! "$bin" build "$f" --outdir "$out" >>"$log" 2>&1; then failed=1; echo "bicep build $f: failed"; fi
done
while IFS= read -r f; do
  "$bin" lint "$f" >>"$log" 2>&1 || failed=1
done < <(find infra -name '*.bicep' | sort)
# Diagnostics look like: /path/file.bicep(12,3) : Error rule-or-BCPnnn: message
sort -u "$log" | sed "s#$root/##" >"$log.sorted"
cat "$log.sorted"
errors=$(grep -c ' : Error ' "$log.sorted" || true)
warnings=$(grep ' : Warning ' "$log.sorted" | grep -vc 'use-recent-api-versions' || true)
calendar=$(grep -c 'use-recent-api-versions' "$log.sorted" || true)
rm -f "$log.sorted"
echo "bicep: ${#entries[@]} entry points built, $(find infra -name '*.bicep' | wc -l) files linted: $errors errors, $warnings warnings (+$calendar use-recent-api-versions, not failing)"
if [ "$failed" != 0 ] || [ "$errors" != 0 ] || [ "$warnings" != 0 ]; then exit 1; fi
exit 0
