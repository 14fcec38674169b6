#!/bin/sh
# azd postdeploy hook (POSIX): subscribe the Event Grid-sourced blob trigger `registerDataset` to
# BlobCreated events of the `datasets` container, by deploying infra/app/dataset-events.bicep.
# It runs after `azd deploy` because the blobs_extension key and the webhook's validation handshake
# exist only once the code is running (see that file). Needs the Azure CLI, signed in (`az login`).
set -eu

if ! command -v az >/dev/null 2>&1; then
  echo "error: the Azure CLI (az) is required to create the dataset Event Grid subscription; see docs/azure.md" >&2
  exit 1
fi

# azd passes its environment to hooks; read it again for `azd hooks run postdeploy` from a shell.
if command -v azd >/dev/null 2>&1; then
  while IFS='=' read -r key value; do
    case "$key" in
      AZURE_RESOURCE_GROUP|AZURE_FUNCTION_APP_NAME|DATASETS_SYSTEM_TOPIC_NAME|DATASETS_CONTAINER_NAME|SERVICE_API_URI)
        value=$(printf '%s' "$value" | sed 's/^"//; s/"$//')
        export "$key=$value" ;;
    esac
  done <<EOF_ENV
$(azd env get-values)
EOF_ENV
fi

: "${AZURE_RESOURCE_GROUP:?run azd provision first}"
: "${AZURE_FUNCTION_APP_NAME:?run azd provision first}"
: "${DATASETS_SYSTEM_TOPIC_NAME:?run azd provision first}"
: "${DATASETS_CONTAINER_NAME:=datasets}"

here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)

# Wake the app (Flex scales to zero) so the host creates the blobs_extension system key.
if [ -n "${SERVICE_API_URI:-}" ] && command -v curl >/dev/null 2>&1; then
  curl -s -o /dev/null --max-time 60 "$SERVICE_API_URI/api/health" || true
fi

echo "Waiting for the blob extension key of $AZURE_FUNCTION_APP_NAME..."
tries=0
until [ -n "$(az functionapp keys list -g "$AZURE_RESOURCE_GROUP" -n "$AZURE_FUNCTION_APP_NAME" \
  --query 'systemKeys.blobs_extension' -o tsv 2>/dev/null || true)" ]; do
  tries=$((tries + 1))
  if [ "$tries" -ge 30 ]; then
    echo "error: no blobs_extension key after 5 minutes; is the registerDataset blob trigger (source EventGrid) deployed?" >&2
    exit 1
  fi
  sleep 10
done

# The template reads the key itself (listKeys); above it is only tested for presence, never printed.
az deployment group create \
  --resource-group "$AZURE_RESOURCE_GROUP" \
  --name dataset-events \
  --template-file "$here/../app/dataset-events.bicep" \
  --parameters functionAppName="$AZURE_FUNCTION_APP_NAME" \
               systemTopicName="$DATASETS_SYSTEM_TOPIC_NAME" \
               datasetsContainerName="$DATASETS_CONTAINER_NAME" \
  --output none

echo "Event Grid subscription ready: BlobCreated in '$DATASETS_CONTAINER_NAME' -> registerDataset."
