// The MLOps function app: Flex Consumption, Node 22 (or 24), user-assigned identity, and the app settings
// that switch the providers from local to Azure (AUTOML_PROVIDER, DEPLOY_TARGET) and wire the
// identity-based connections. Nothing here is a secret.
param name string
param planName string
param location string = resourceGroup().location
param tags object = {}
param serviceName string = 'api'
param identityId string
param identityClientId string
param storageAccountName string
param deploymentStorageContainerName string
param datasetsContainerName string
param registryContainerName string
param applicationInsightsName string
param eventGridTopicEndpoint string
param amlWorkspaceName string
param amlComputeName string
@description('VM size of the managed online deployments the app creates.')
param amlInstanceType string = 'Standard_DS3_v2'
@minValue(1)
param amlInstanceCount int = 1
@allowed(['azureml', 'local'])
param automlProvider string = 'azureml'
@allowed(['azureml', 'local'])
param deployTarget string = 'azureml'
@allowed(['22', '24'])
@description('Node.js major version (Flex Consumption supports 22 and 24; 20 left support on 2026-04-30).')
param nodeVersion string = '22'
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40
@description('Extra app settings merged last (they win).')
param extraAppSettings object = {}

resource storage 'Microsoft.Storage/storageAccounts@2025-06-01' existing = {
  name: storageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

var identitySettings = {
  // Host storage (blobs, queues, tables; the Durable task hub too) through the managed identity.
  AzureWebJobsStorage__accountName: storage.name
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  // DefaultAzureCredential in the app's own SDK clients picks this user-assigned identity.
  AZURE_CLIENT_ID: identityClientId
  // Entra-authenticated telemetry: App Insights has local auth disabled, so the connection string
  // (endpoints and the component's id) grants nothing without a token of an identity holding
  // Monitoring Metrics Publisher. The host and src/telemetry both read the authentication string.
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsights.properties.ConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
}

var appSettingsForAzure = {
  // Providers: the functions and orchestration are the same code as locally; these pick Azure.
  AUTOML_PROVIDER: automlProvider
  DEPLOY_TARGET: deployTarget
  AZUREML_SUBSCRIPTION_ID: subscription().subscriptionId
  AZUREML_RESOURCE_GROUP: resourceGroup().name
  AZUREML_WORKSPACE: amlWorkspaceName
  AZUREML_COMPUTE: amlComputeName
  AZUREML_INSTANCE_TYPE: amlInstanceType
  AZUREML_INSTANCE_COUNT: string(amlInstanceCount)
  // Domain events (CloudEvents) go to the custom topic, authenticated with the identity.
  EVENTGRID_TOPIC_ENDPOINT: eventGridTopicEndpoint
  EVENTGRID_EVENT_SOURCE: '/mlops/${name}'
  // Flex Consumption supports blob triggers only through Event Grid (app/dataset-events.bicep).
  DATASETS_BLOB_SOURCE: 'EventGrid'
  DATASETS_CONTAINER: datasetsContainerName
  DATASETS_REGISTRY_CONTAINER: registryContainerName
}

module functionApp '../core/host/functions-flex.bicep' = {
  name: 'functions-flex'
  params: {
    planName: planName
    name: name
    location: location
    tags: tags
    serviceName: serviceName
    runtimeName: 'node'
    runtimeVersion: nodeVersion
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    identityId: identityId
    deploymentStorageBlobEndpoint: storage.properties.primaryEndpoints.blob
    deploymentStorageContainerName: deploymentStorageContainerName
    appSettings: union(identitySettings, appSettingsForAzure, extraAppSettings)
  }
}

output name string = functionApp.outputs.name
output uri string = functionApp.outputs.uri
output resourceId string = functionApp.outputs.resourceId
