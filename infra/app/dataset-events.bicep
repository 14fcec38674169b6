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

resource functionApp 'Microsoft.Web/sites@2024-04-01' existing = {
  name: functionAppName
}

resource functionHost 'Microsoft.Web/sites/host@2024-04-01' existing = {
  parent: functionApp
  name: 'default'
}

resource systemTopic 'Microsoft.EventGrid/systemTopics@2022-06-15' existing = {
  name: systemTopicName
}

// The key is read at deployment time and never written to outputs or logs.
var webhookUrl = 'https://${functionApp.properties.defaultHostName}/runtime/webhooks/blobs?functionName=Host.Functions.${functionName}&code=${functionHost.listKeys().systemKeys.blobs_extension}'

resource blobCreated 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2022-06-15' = {
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
