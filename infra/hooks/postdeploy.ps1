# azd postdeploy hook (Windows / PowerShell): same as postdeploy.sh. Subscribes the Event Grid-sourced
# blob trigger `registerDataset` to BlobCreated events of the `datasets` container by deploying
# infra/app/dataset-events.bicep once the code is running. Needs the Azure CLI, signed in.
$ErrorActionPreference = 'Stop'

if (-not (Get-Command az -ErrorAction SilentlyContinue)) {
  Write-Error 'The Azure CLI (az) is required to create the dataset Event Grid subscription; see docs/azure.md'
}

if (Get-Command azd -ErrorAction SilentlyContinue) {
  foreach ($line in (azd env get-values)) {
    if ($line -match '^(AZURE_RESOURCE_GROUP|AZURE_FUNCTION_APP_NAME|DATASETS_SYSTEM_TOPIC_NAME|DATASETS_CONTAINER_NAME|SERVICE_API_URI)="?(.*?)"?$') {
      Set-Item -Path "env:$($Matches[1])" -Value $Matches[2]
    }
  }
}

foreach ($name in 'AZURE_RESOURCE_GROUP', 'AZURE_FUNCTION_APP_NAME', 'DATASETS_SYSTEM_TOPIC_NAME') {
  if (-not (Get-Item "env:$name" -ErrorAction SilentlyContinue)) { Write-Error "$name is not set: run azd provision first" }
}
if (-not $env:DATASETS_CONTAINER_NAME) { $env:DATASETS_CONTAINER_NAME = 'datasets' }

if ($env:SERVICE_API_URI) {
  try { Invoke-WebRequest -Uri "$($env:SERVICE_API_URI)/api/health" -TimeoutSec 60 -UseBasicParsing | Out-Null } catch { }
}

Write-Host "Waiting for the blob extension key of $($env:AZURE_FUNCTION_APP_NAME)..."
$tries = 0
while (-not (az functionapp keys list -g $env:AZURE_RESOURCE_GROUP -n $env:AZURE_FUNCTION_APP_NAME --query 'systemKeys.blobs_extension' -o tsv 2>$null)) {
  $tries++
  if ($tries -ge 30) { Write-Error 'No blobs_extension key after 5 minutes; is the registerDataset blob trigger (source EventGrid) deployed?' }
  Start-Sleep -Seconds 10
}

az deployment group create `
  --resource-group $env:AZURE_RESOURCE_GROUP `
  --name dataset-events `
  --template-file (Join-Path $PSScriptRoot '../app/dataset-events.bicep') `
  --parameters functionAppName=$env:AZURE_FUNCTION_APP_NAME systemTopicName=$env:DATASETS_SYSTEM_TOPIC_NAME datasetsContainerName=$env:DATASETS_CONTAINER_NAME `
  --output none
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }

Write-Host "Event Grid subscription ready: BlobCreated in '$($env:DATASETS_CONTAINER_NAME)' -> registerDataset."
