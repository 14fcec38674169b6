// BlobCreated events of the `datasets` container -> the function app's blob extension webhook, which
// runs the Event Grid-sourced blob trigger `registerDataset` (Flex Consumption has no polling blob
// trigger).
//
// Deployed by the azd postdeploy hook (infra/hooks/postdeploy.*), not by main.bicep: the webhook
// needs the `blobs_extension` system key, which the host creates only once code with an
// Event Grid-sourced blob trigger is running, and Event Grid validates the endpoint when the
// subscription is created. Both are true after `azd deploy`, not after `azd provision`.
param functionAppName string
param systemTopicName string
param datasetsContainerName string = 'datasets'
@description('The blob-triggered function registered in functions/datasets.ts.')
param functionName string = 'registerDataset'
param subscriptionName string = 'datasets-blob-created'

resource functionApp 'Microsoft.Web/sites@2025-03-01' existing = {
  name: functionAppName
}

resource systemTopic 'Microsoft.EventGrid/systemTopics@2025-02-15' existing = {
  name: systemTopicName
}

// The key is read at deployment time and never written to outputs or logs. `host/default` is no
// typed resource (Bicep has no schema for Microsoft.Web/sites/host), so listKeys takes its id:
// POST {site}/host/default/listkeys, the call `az functionapp keys list` makes.
var hostKeysApiVersion = '2024-04-01'
var blobsExtensionKey = listKeys('${functionApp.id}/host/default', hostKeysApiVersion).systemKeys.blobs_extension
var webhookUrl = 'https://${functionApp.properties.defaultHostName}/runtime/webhooks/blobs?functionName=Host.Functions.${functionName}&code=${blobsExtensionKey}'

resource blobCreated 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15' = {
  parent: systemTopic
  name: subscriptionName
  properties: {
    destination: {
      endpointType: 'WebHook'
      properties: {
        endpointUrl: webhookUrl
        maxEventsPerBatch: 1
        preferredBatchSizeInKilobytes: 64
      }
    }
    eventDeliverySchema: 'EventGridSchema'
    filter: {
      includedEventTypes: [
        'Microsoft.Storage.BlobCreated'
      ]
      subjectBeginsWith: '/blobServices/default/containers/${datasetsContainerName}/blobs/'
    }
    retryPolicy: {
      maxDeliveryAttempts: 30
      eventTimeToLiveInMinutes: 1440
    }
  }
}

output subscriptionName string = blobCreated.name
