// Event Grid system topic on a storage account: the source of BlobCreated events for the dataset
// drop zone. Its webhook subscription lives in app/dataset-events.bicep, deployed after the code
// (see that file for why).
param name string
param location string = resourceGroup().location
param tags object = {}
param storageAccountId string

resource systemTopic 'Microsoft.EventGrid/systemTopics@2025-02-15' = {
  name: name
  location: location
  tags: tags
  properties: {
    source: storageAccountId
    topicType: 'Microsoft.Storage.StorageAccounts'
  }
}

output name string = systemTopic.name
output resourceId string = systemTopic.id
