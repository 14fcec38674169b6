// Role assignments for the function app's managed identity (and, optionally, the developer who ran
// `azd up`, so they can upload datasets and open the Azure ML studio). Each role is scoped to the one
// resource it is needed on. infra/app-calls.json lists every call the app makes to Azure and the
// role here that grants it; test/infra checks the two agree on the compiled template.
param storageAccountName string
param applicationInsightsName string
param eventGridTopicName string
param amlWorkspaceName string
@description('Storage account of the Azure ML workspace (its default datastore, workspaceblobstore).')
param amlStorageAccountName string
@description('Name of the function app\'s user-assigned identity (created in core/identity).')
param identityName string
@description('Object id of the developer running azd (AZURE_PRINCIPAL_ID); empty to skip.')
param userPrincipalId string = ''
@allowed(['User', 'ServicePrincipal', 'Group'])
param userPrincipalType string = 'User'

// Built-in role definition ids (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles).
var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
  eventGridDataSender: 'd5a91429-5739-47e2-a06b-3470a27159e7'
  azureMLDataScientist: 'f6c7c914-8db3-469d-8ca1-694a8f32e121'
}

var withUser = !empty(userPrincipalId)

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' existing = {
  name: identityName
}

resource storage 'Microsoft.Storage/storageAccounts@2025-06-01' existing = {
  name: storageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource eventGridTopic 'Microsoft.EventGrid/topics@2025-02-15' existing = {
  name: eventGridTopicName
}

resource amlWorkspace 'Microsoft.MachineLearningServices/workspaces@2025-06-01' existing = {
  name: amlWorkspaceName
}

resource amlStorage 'Microsoft.Storage/storageAccounts@2025-06-01' existing = {
  name: amlStorageAccountName
}

// App storage blobs: host storage, the drop zone, the registry, the Flex deployment package (Owner:
// the blob trigger's receipts and leases, as the Functions identity-connection docs require).
resource identityBlobOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, identity.id, roles.storageBlobDataOwner)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataOwner)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// Blob-trigger queue and the Durable task hub's control and work-item queues.
resource identityQueueContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, identity.id, roles.storageQueueDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataContributor)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// The app's tables (datasets, models, deployments, runs) and the task hub's history/instances.
resource identityTableContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, identity.id, roles.storageTableDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageTableDataContributor)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// Entra-authenticated telemetry ingestion (local auth is off on the component).
resource identityMetricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(applicationInsights.id, identity.id, roles.monitoringMetricsPublisher)
  scope: applicationInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// Publish the app's CloudEvents to the custom topic (its access keys are off).
resource identityEventGridSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(eventGridTopic.id, identity.id, roles.eventGridDataSender)
  scope: eventGridTopic
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.eventGridDataSender)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// Azure ML control plane: workspace and datastores read, data and model versions, jobs, MLflow
// runs, online endpoints and deployments (logs, keys, tokens). It excludes creating compute and
// changing the workspace, which Bicep does.
resource identityAmlDataScientist 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(amlWorkspace.id, identity.id, roles.azureMLDataScientist)
  scope: amlWorkspace
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.azureMLDataScientist)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// Upload training data into the workspace's default datastore container with the identity.
resource identityAmlBlobContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(amlStorage.id, identity.id, roles.storageBlobDataContributor)
  scope: amlStorage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// The developer: drop datasets with `az storage blob upload --auth-mode login`, read the registry.
resource userBlobOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (withUser) {
  name: guid(storage.id, userPrincipalId, roles.storageBlobDataOwner)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataOwner)
    principalId: userPrincipalId
    principalType: userPrincipalType
  }
}

resource userTableContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (withUser) {
  name: guid(storage.id, userPrincipalId, roles.storageTableDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageTableDataContributor)
    principalId: userPrincipalId
    principalType: userPrincipalType
  }
}

resource userAmlDataScientist 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (withUser) {
  name: guid(amlWorkspace.id, userPrincipalId, roles.azureMLDataScientist)
  scope: amlWorkspace
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.azureMLDataScientist)
    principalId: userPrincipalId
    principalType: userPrincipalType
  }
}
