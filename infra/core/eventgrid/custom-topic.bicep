// Event Grid custom topic for the app's domain events (Mlops.DatasetRegistered, Mlops.ModelPromoted,
// ...) as CloudEvents 1.0. Access keys are disabled: publishers need EventGrid Data Sender.
param name string
param location string = resourceGroup().location
param tags object = {}

resource topic 'Microsoft.EventGrid/topics@2025-02-15' = {
  name: name
  location: location
  tags: tags
  properties: {
    inputSchema: 'CloudEventSchemaV1_0'
    publicNetworkAccess: 'Enabled'
    disableLocalAuth: true
  }
}

output name string = topic.name
output resourceId string = topic.id
output endpoint string = topic.properties.endpoint
