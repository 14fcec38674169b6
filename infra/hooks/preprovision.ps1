# azd preprovision hook (Windows / PowerShell): the same checks as preprovision.sh, in the same order
# and with the same messages: the Azure CLI signed in; AZURE_LOCATION offers Flex Consumption (with
# FUNCTION_NODE_VERSION) and Azure ML (with AZUREML_COMPUTE_VM_SIZE and AZUREML_INSTANCE_TYPE); the
# Azure ML vCPU quota covers the AutoML cluster at full size plus two online deployments (+20% each).
# MLOPS_SKIP_PREFLIGHT=1 skips it all. Exit codes: 0 ok, 1 a check failed, 2 the CLI is missing or signed out.
$ErrorActionPreference = 'Stop'

function Say($m) { Write-Host "preprovision: $m" }
function Fail($m) { [Console]::Error.WriteLine("preprovision: error: $m"); exit 1 }
function Normalize($s) { ($s -replace '\s', '').ToLowerInvariant() }

if ($env:MLOPS_SKIP_PREFLIGHT -eq '1') { Say 'skipped (MLOPS_SKIP_PREFLIGHT=1)'; exit 0 }

if (-not (Get-Command az -ErrorAction SilentlyContinue)) {
  [Console]::Error.WriteLine("preprovision: error: the Azure CLI (az) is required for the region and quota checks; install it, run 'az login', or set MLOPS_SKIP_PREFLIGHT=1")
  exit 2
}
az account show --only-show-errors -o none 2>$null | Out-Null
if ($LASTEXITCODE -ne 0) {
  [Console]::Error.WriteLine("preprovision: error: the Azure CLI is not signed in: run 'az login' (and 'az account set --subscription <id>' to pick the subscription azd uses)")
  exit 2
}

$location = Normalize "$($env:AZURE_LOCATION)"
if (-not $location) { Fail "AZURE_LOCATION is not set: run 'azd env set AZURE_LOCATION <region>' (a region with Flex Consumption and Azure ML, e.g. eastus2, swedencentral, uksouth)" }
$subscription = $env:AZURE_SUBSCRIPTION_ID
if (-not $subscription) { $subscription = az account show --query id -o tsv 2>$null }
if (-not $subscription) { Fail "no subscription: run 'azd env set AZURE_SUBSCRIPTION_ID <id>'" }

$nodeVersion = if ($env:FUNCTION_NODE_VERSION) { $env:FUNCTION_NODE_VERSION } else { '22' }
$computeSize = if ($env:AZUREML_COMPUTE_VM_SIZE) { $env:AZUREML_COMPUTE_VM_SIZE } else { 'Standard_DS3_v2' }
$computeNodes = [int]$(if ($env:AZUREML_COMPUTE_MAX_NODES) { $env:AZUREML_COMPUTE_MAX_NODES } else { '4' })
$computePriority = if ($env:AZUREML_COMPUTE_VM_PRIORITY) { $env:AZUREML_COMPUTE_VM_PRIORITY } else { 'Dedicated' }
$instanceType = if ($env:AZUREML_INSTANCE_TYPE) { $env:AZUREML_INSTANCE_TYPE } else { 'Standard_DS3_v2' }
$instanceCount = [int]$(if ($env:AZUREML_INSTANCE_COUNT) { $env:AZUREML_INSTANCE_COUNT } else { '1' })
Say "region $location, subscription $subscription"

$flex = @(az functionapp list-flexconsumption-locations --query '[].name' -o tsv 2>$null | ForEach-Object { Normalize $_ })
if (-not $flex) { Fail "could not list the Flex Consumption regions ('az functionapp list-flexconsumption-locations'); update the Azure CLI (2.60 or later)" }
if ($flex -notcontains $location) { Fail "region '$location' does not offer Flex Consumption; pick one of: $($flex -join ' ')" }
$runtimes = @(az functionapp list-flexconsumption-runtimes --location $location --runtime node --query '[].version' -o tsv 2>$null)
if ($runtimes -and ($runtimes -notcontains $nodeVersion)) { Fail "Flex Consumption in '$location' offers Node $($runtimes -join ' ') but not ${nodeVersion}: set FUNCTION_NODE_VERSION" }
Say "Flex Consumption: yes (Node $nodeVersion)"

$mlRegions = @(az provider show --namespace Microsoft.MachineLearningServices --query "resourceTypes[?resourceType=='workspaces'].locations[]" -o tsv 2>$null | ForEach-Object { Normalize $_ })
if (-not $mlRegions) { Fail "could not read the Azure ML regions ('az provider show --namespace Microsoft.MachineLearningServices')" }
if ($mlRegions -notcontains $location) { Fail "region '$location' does not offer Azure Machine Learning workspaces" }
$base = "https://management.azure.com/subscriptions/$subscription/providers/Microsoft.MachineLearningServices/locations/$location"
$api = 'api-version=2024-04-01'
$sizes = (az rest --method get --url "$base/vmSizes?$api" 2>$null | ConvertFrom-Json).value
if (-not $sizes) { Fail "could not list the Azure ML VM sizes of '$location' (is Microsoft.MachineLearningServices registered? 'az provider register --namespace Microsoft.MachineLearningServices')" }
$compute = $sizes | Where-Object { $_.name -eq $computeSize } | Select-Object -First 1
if (-not $compute) { Fail "Azure ML in '$location' does not offer $computeSize for compute clusters: set AZUREML_COMPUTE_VM_SIZE" }
$instance = $sizes | Where-Object { $_.name -eq $instanceType } | Select-Object -First 1
if (-not $instance) { Fail "Azure ML in '$location' does not offer ${instanceType}: set AZUREML_INSTANCE_TYPE" }
Say "Azure ML: yes ($computeSize for AutoML, $instanceType for endpoints)"

$usages = (az rest --method get --url "$base/usages?$api" 2>$null | ConvertFrom-Json).value
if (-not $usages) { Fail "could not read the Azure ML quota of '$location' ('az ml compute list-usage' shows the same)" }
$clusterNeed = $computeNodes * [int]$compute.vCPUs
$endpointNeed = 2 * [math]::Ceiling($instanceCount * 1.2) * [int]$instance.vCPUs

function Check-Quota($name, $need, $what, $setting) {
  $u = $usages | Where-Object { $_.name.value -eq $name } | Select-Object -First 1
  if (-not $u) { Say "quota ${name}: not reported for '$location'; skipped"; return }
  $free = [int]$u.limit - [int]$u.currentValue
  if ($free -lt $need) { Fail "quota $name in '$location': $free vCPUs free, $what needs $need; request more (Azure ML studio > Quota) or lower $setting" }
  Say "quota ${name}: $free vCPUs free, $need needed ($what)"
}
if ($computePriority -eq 'LowPriority') {
  Check-Quota 'totalLowPriorityCores' $clusterNeed "the AutoML cluster ($computeNodes x $computeSize, low priority)" 'AZUREML_COMPUTE_MAX_NODES'
  Check-Quota $instance.family $endpointNeed "two deployments of $instanceCount x $instanceType (+20%)" 'AZUREML_INSTANCE_COUNT'
} elseif ($compute.family -eq $instance.family) {
  Check-Quota $compute.family ($clusterNeed + $endpointNeed) "the AutoML cluster ($computeNodes x $computeSize) and two deployments of $instanceCount x $instanceType (+20%)" 'AZUREML_COMPUTE_MAX_NODES or AZUREML_INSTANCE_COUNT'
} else {
  Check-Quota $compute.family $clusterNeed "the AutoML cluster ($computeNodes x $computeSize)" 'AZUREML_COMPUTE_MAX_NODES'
  Check-Quota $instance.family $endpointNeed "two deployments of $instanceCount x $instanceType (+20%)" 'AZUREML_INSTANCE_COUNT'
}
Say 'all checks passed'
