#!/bin/sh
# azd preprovision hook (POSIX): checks, before anything is created, that
#   1. the Azure CLI is installed and signed in (`az login`);
#   2. the region (AZURE_LOCATION) offers Flex Consumption, with the Node version chosen
#      (FUNCTION_NODE_VERSION, default 22);
#   3. the region offers Azure Machine Learning workspaces and the VM sizes chosen
#      (AZUREML_COMPUTE_VM_SIZE for AutoML, AZUREML_INSTANCE_TYPE for online deployments);
#   4. the subscription has the Azure ML vCPU quota they need in that region: the AutoML cluster at
#      full size (max nodes x vCPUs) plus two online deployments (champion and challenger side by
#      side during a promotion), each instance count + 20% (Azure ML reserves 20% for upgrades).
# Each failure ends with one clear line saying what to change. MLOPS_SKIP_PREFLIGHT=1 skips it all.
# Exit codes: 0 ok, 1 a check failed, 2 the CLI is missing or signed out.
set -u

say() { printf '%s\n' "preprovision: $*"; }
fail() { printf '%s\n' "preprovision: error: $*" >&2; exit 1; }

if [ "${MLOPS_SKIP_PREFLIGHT:-}" = "1" ]; then
  say "skipped (MLOPS_SKIP_PREFLIGHT=1)"
  exit 0
fi

if ! command -v az >/dev/null 2>&1; then
  printf '%s\n' "preprovision: error: the Azure CLI (az) is required for the region and quota checks; install it, run 'az login', or set MLOPS_SKIP_PREFLIGHT=1" >&2
  exit 2
fi
if ! az account show --only-show-errors -o none >/dev/null 2>&1; then
  printf '%s\n' "preprovision: error: the Azure CLI is not signed in: run 'az login' (and 'az account set --subscription <id>' to pick the subscription azd uses)" >&2
  exit 2
fi

location=$(printf '%s' "${AZURE_LOCATION:-}" | tr 'A-Z' 'a-z' | tr -d ' ')
[ -n "$location" ] || fail "AZURE_LOCATION is not set: run 'azd env set AZURE_LOCATION <region>' (a region with Flex Consumption and Azure ML, e.g. eastus2, swedencentral, uksouth)"
subscription="${AZURE_SUBSCRIPTION_ID:-}"
if [ -z "$subscription" ]; then
  subscription=$(az account show --query id -o tsv 2>/dev/null)
fi
[ -n "$subscription" ] || fail "no subscription: run 'azd env set AZURE_SUBSCRIPTION_ID <id>'"

node_version="${FUNCTION_NODE_VERSION:-22}"
compute_size="${AZUREML_COMPUTE_VM_SIZE:-Standard_DS3_v2}"
compute_nodes="${AZUREML_COMPUTE_MAX_NODES:-4}"
compute_priority="${AZUREML_COMPUTE_VM_PRIORITY:-Dedicated}"
instance_type="${AZUREML_INSTANCE_TYPE:-Standard_DS3_v2}"
instance_count="${AZUREML_INSTANCE_COUNT:-1}"
say "region $location, subscription $subscription"

# Region names as the CLI lists them ("East US 2") compared with azd's ("eastus2").
normalize() { tr 'A-Z' 'a-z' | tr -d ' \r'; }

# 2. Flex Consumption, and the Node version on it.
flex=$(az functionapp list-flexconsumption-locations --query '[].name' -o tsv 2>/dev/null | normalize)
[ -n "$flex" ] || fail "could not list the Flex Consumption regions ('az functionapp list-flexconsumption-locations'); update the Azure CLI (2.60 or later)"
printf '%s\n' "$flex" | grep -qx "$location" || fail "region '$location' does not offer Flex Consumption; pick one of: $(printf '%s' "$flex" | tr '\n' ' ')"
runtimes=$(az functionapp list-flexconsumption-runtimes --location "$location" --runtime node --query '[].version' -o tsv 2>/dev/null | tr -d '\r')
if [ -n "$runtimes" ]; then
  printf '%s\n' "$runtimes" | grep -qx "$node_version" || fail "Flex Consumption in '$location' offers Node $(printf '%s' "$runtimes" | tr '\n' ' ') but not $node_version: set FUNCTION_NODE_VERSION"
fi
say "Flex Consumption: yes (Node $node_version)"

# 3. Azure ML workspaces in the region, and the VM sizes.
ml_regions=$(az provider show --namespace Microsoft.MachineLearningServices --query "resourceTypes[?resourceType=='workspaces'].locations[]" -o tsv 2>/dev/null | normalize)
[ -n "$ml_regions" ] || fail "could not read the Azure ML regions ('az provider show --namespace Microsoft.MachineLearningServices')"
printf '%s\n' "$ml_regions" | grep -qx "$location" || fail "region '$location' does not offer Azure Machine Learning workspaces"
base="https://management.azure.com/subscriptions/$subscription/providers/Microsoft.MachineLearningServices/locations/$location"
api="api-version=2024-04-01"
# "<name> <family> <vCPUs>" per VM size Azure ML offers in the region.
sizes=$(az rest --method get --url "$base/vmSizes?$api" --query 'value[].[name, family, vCPUs]' -o tsv 2>/dev/null | tr -d '\r')
[ -n "$sizes" ] || fail "could not list the Azure ML VM sizes of '$location' (is Microsoft.MachineLearningServices registered? 'az provider register --namespace Microsoft.MachineLearningServices')"
size_line() { printf '%s\n' "$sizes" | awk -v s="$1" 'tolower($1) == tolower(s) { print; exit }'; }
compute_line=$(size_line "$compute_size")
[ -n "$compute_line" ] || fail "Azure ML in '$location' does not offer $compute_size for compute clusters: set AZUREML_COMPUTE_VM_SIZE"
instance_line=$(size_line "$instance_type")
[ -n "$instance_line" ] || fail "Azure ML in '$location' does not offer $instance_type: set AZUREML_INSTANCE_TYPE"
say "Azure ML: yes ($compute_size for AutoML, $instance_type for endpoints)"

# 4. Quota. usages: "<name> <current> <limit>" (families like standardDSv2Family, totalLowPriorityCores).
usages=$(az rest --method get --url "$base/usages?$api" --query 'value[].[name.value, currentValue, limit]' -o tsv 2>/dev/null | tr -d '\r')
[ -n "$usages" ] || fail "could not read the Azure ML quota of '$location' ('az ml compute list-usage' shows the same)"
free_of() { printf '%s\n' "$usages" | awk -v n="$1" 'tolower($1) == tolower(n) { print $3 - $2; found = 1; exit } END { if (!found) print "" }'; }
compute_family=$(printf '%s' "$compute_line" | awk '{ print $2 }')
compute_vcpus=$(printf '%s' "$compute_line" | awk '{ print $3 }')
instance_family=$(printf '%s' "$instance_line" | awk '{ print $2 }')
instance_vcpus=$(printf '%s' "$instance_line" | awk '{ print $3 }')
cluster_need=$((compute_nodes * compute_vcpus))
# ceil(count * 1.2) instances per deployment, two deployments during a promotion.
endpoint_need=$((2 * ((instance_count * 12 + 9) / 10) * instance_vcpus))

check_quota() { # <quota name> <vCPUs needed> <what needs them> <setting to lower>
  free=$(free_of "$1")
  if [ -z "$free" ]; then
    say "quota $1: not reported for '$location'; skipped"
    return 0
  fi
  if [ "$free" -lt "$2" ]; then
    fail "quota $1 in '$location': $free vCPUs free, $3 needs $2; request more (Azure ML studio > Quota) or lower $4"
  fi
  say "quota $1: $free vCPUs free, $2 needed ($3)"
}
if [ "$compute_priority" = "LowPriority" ]; then
  check_quota totalLowPriorityCores "$cluster_need" "the AutoML cluster ($compute_nodes x $compute_size, low priority)" AZUREML_COMPUTE_MAX_NODES
  check_quota "$instance_family" "$endpoint_need" "two deployments of $instance_count x $instance_type (+20%)" AZUREML_INSTANCE_COUNT
elif [ "$(printf '%s' "$compute_family" | tr 'A-Z' 'a-z')" = "$(printf '%s' "$instance_family" | tr 'A-Z' 'a-z')" ]; then
  check_quota "$compute_family" $((cluster_need + endpoint_need)) "the AutoML cluster ($compute_nodes x $compute_size) and two deployments of $instance_count x $instance_type (+20%)" "AZUREML_COMPUTE_MAX_NODES or AZUREML_INSTANCE_COUNT"
else
  check_quota "$compute_family" "$cluster_need" "the AutoML cluster ($compute_nodes x $compute_size)" AZUREML_COMPUTE_MAX_NODES
  check_quota "$instance_family" "$endpoint_need" "two deployments of $instance_count x $instance_type (+20%)" AZUREML_INSTANCE_COUNT
fi
say "all checks passed"
