// `azd up` entry point: one resource group with the MLOps function app (Flex Consumption), its
// storage, Event Grid, monitoring and an Azure ML workspace for AutoML and online endpoints.
// Modelled on Azure-Samples/functions-quickstart-typescript-azd and
// durable-functions-quickstart-typescript-azd, with plain resources instead of registry modules so
// every module is in this folder.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; used to name the resource group and derive a unique token.')
param environmentName string

@minLength(1)
@description('Primary location for all resources. Must offer Flex Consumption and Azure ML.')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Object id of the developer running azd (AZURE_PRINCIPAL_ID); gets data access for testing. Empty to skip.')
param principalId string = ''

@allowed(['User', 'ServicePrincipal', 'Group'])
param principalType string = 'User'

param resourceGroupName string = ''

@allowed(['22', '24'])
@description('Node.js major version of the function app. 22 is the Flex Consumption default; 24 is supported. Node 20 left Azure Functions support on 2026-04-30.')
param functionNodeVersion string = '22'

@allowed(['azureml', 'local'])
@description('AUTOML_PROVIDER of the app: azureml (AutoML jobs in the workspace below) or local (the TypeScript engine inside the function app; a stopgap while the Azure ML provider is not available).')
param automlProvider string = 'azureml'

@allowed(['azureml', 'local'])
@description('DEPLOY_TARGET of the app: azureml (managed online endpoints) or local (endpoint processes inside the function app instance; not a serving path).')
param deployTarget string = 'azureml'

@allowed([512, 2048, 4096])
@description('Flex Consumption instance memory (MB). AutoML runs in Azure ML, so the app itself stays light.')
param functionInstanceMemoryMB int = 2048

@minValue(1)
@maxValue(1000)
param functionMaximumInstanceCount int = 40

@description('VM size of the Azure ML compute cluster that runs AutoML trials.')
param amlComputeVmSize string = 'Standard_DS3_v2'

@minValue(1)
@maxValue(100)
@description('Maximum nodes of the AutoML compute cluster (it scales to zero when idle).')
param amlComputeMaxNodes int = 4

@allowed(['Dedicated', 'LowPriority'])
param amlComputeVmPriority string = 'Dedicated'

@description('VM size of the managed online deployments the app creates (AZUREML_INSTANCE_TYPE).')
param amlInstanceType string = 'Standard_DS3_v2'

@minValue(1)
@maxValue(20)
@description('Instances of each managed online deployment (AZUREML_INSTANCE_COUNT).')
param amlInstanceCount int = 1

var abbrs = loadJsonContent('./abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }

// Names the app relies on (ARCHITECTURE.md contracts).
var datasetsContainerName = 'datasets'
var registryContainerName = 'registry'
var appTables = ['datasets', 'models', 'deployments', 'runs']

// Every resource name is computed here, from deployment-time values only, and passed to the modules
// that need it: names that came from module outputs would be runtime values, which defeat What-If
// (linter rule what-if-short-circuiting). Modules that reference a resource by name depend on the
// module that creates it explicitly (dependsOn).
var functionAppName = '${abbrs.webSitesFunctions}api-${resourceToken}'
var identityName = '${abbrs.managedIdentityUserAssignedIdentities}api-${resourceToken}'
var storageAccountName = '${abbrs.storageStorageAccounts}${resourceToken}'
var applicationInsightsName = '${abbrs.insightsComponents}${resourceToken}'
var eventsTopicName = '${abbrs.eventGridDomainsTopics}mlops-${resourceToken}'
var amlWorkspaceName = '${abbrs.machineLearningServicesWorkspaces}${resourceToken}'
var amlStorageAccountName = '${abbrs.storageStorageAccounts}ml${resourceToken}'
var deploymentStorageContainerName = 'app-package-${take(functionAppName, 32)}-${take(toLower(uniqueString(functionAppName, resourceToken)), 7)}'
var amlComputeName = '${abbrs.machineLearningServicesComputeCPU}automl'

resource rg 'Microsoft.Resources/resourceGroups@2025-04-01' = {
  name: !empty(resourceGroupName) ? resourceGroupName : '${abbrs.resourcesResourceGroups}${environmentName}'
  location: location
  tags: tags
}

module apiIdentity 'core/identity/user-assigned-identity.bicep' = {
  name: 'apiIdentity'
  scope: rg
  params: {
    name: identityName
    location: location
    tags: tags
  }
}

module storage 'core/storage/storage-account.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: storageAccountName
    location: location
    tags: tags
    containers: [deploymentStorageContainerName, datasetsContainerName, registryContainerName]
    tables: appTables
  }
}

module monitoring 'core/monitor/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    applicationInsightsName: applicationInsightsName
    location: location
    tags: tags
  }
}

module eventsTopic 'core/eventgrid/custom-topic.bicep' = {
  name: 'eventsTopic'
  scope: rg
  params: {
    name: eventsTopicName
    location: location
    tags: tags
  }
}

module datasetsSystemTopic 'core/eventgrid/storage-system-topic.bicep' = {
  name: 'datasetsSystemTopic'
  scope: rg
  params: {
    name: '${abbrs.eventGridSystemTopics}datasets-${resourceToken}'
    location: location
    tags: tags
    storageAccountId: storage.outputs.resourceId
  }
}

module ml 'core/ml/workspace.bicep' = {
  name: 'ml'
  scope: rg
  params: {
    workspaceName: amlWorkspaceName
    keyVaultName: '${abbrs.keyVaultVaults}${resourceToken}'
    storageAccountName: amlStorageAccountName
    containerRegistryName: '${abbrs.containerRegistryRegistries}${resourceToken}'
    applicationInsightsName: '${abbrs.insightsComponents}ml-${resourceToken}'
    logAnalyticsWorkspaceId: monitoring.outputs.logAnalyticsWorkspaceId
    computeName: amlComputeName
    computeVmSize: amlComputeVmSize
    computeMaxNodes: amlComputeMaxNodes
    computeVmPriority: amlComputeVmPriority
    location: location
    tags: tags
  }
}

module api 'app/api.bicep' = {
  name: 'api'
  scope: rg
  dependsOn: [storage] // monitoring comes through ml
  params: {
    name: functionAppName
    planName: '${abbrs.webServerFarms}${resourceToken}'
    location: location
    tags: tags
    serviceName: 'api'
    identityId: apiIdentity.outputs.resourceId
    identityClientId: apiIdentity.outputs.clientId
    storageAccountName: storageAccountName
    deploymentStorageContainerName: deploymentStorageContainerName
    datasetsContainerName: datasetsContainerName
    registryContainerName: registryContainerName
    applicationInsightsName: applicationInsightsName
    eventGridTopicEndpoint: eventsTopic.outputs.endpoint
    amlWorkspaceName: ml.outputs.workspaceName
    amlComputeName: ml.outputs.computeName
    amlInstanceType: amlInstanceType
    amlInstanceCount: amlInstanceCount
    nodeVersion: functionNodeVersion
    automlProvider: automlProvider
    deployTarget: deployTarget
    instanceMemoryMB: functionInstanceMemoryMB
    maximumInstanceCount: functionMaximumInstanceCount
  }
}

module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  dependsOn: [apiIdentity, storage, monitoring, eventsTopic, ml]
  params: {
    storageAccountName: storageAccountName
    applicationInsightsName: applicationInsightsName
    eventGridTopicName: eventsTopicName
    amlWorkspaceName: amlWorkspaceName
    amlStorageAccountName: amlStorageAccountName
    identityName: identityName
    userPrincipalId: principalId
    userPrincipalType: principalType
  }
}

// Outputs become azd environment values (`azd env get-values`) and reach the hooks.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = api.outputs.name
output SERVICE_API_NAME string = api.outputs.name
output SERVICE_API_URI string = api.outputs.uri
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output DATASETS_CONTAINER_NAME string = datasetsContainerName
output DATASETS_SYSTEM_TOPIC_NAME string = datasetsSystemTopic.outputs.name
output EVENTGRID_TOPIC_ENDPOINT string = eventsTopic.outputs.endpoint
output APPLICATIONINSIGHTS_CONNECTION_STRING string = monitoring.outputs.applicationInsightsConnectionString
output AZUREML_SUBSCRIPTION_ID string = subscription().subscriptionId
output AZUREML_RESOURCE_GROUP string = rg.name
output AZUREML_WORKSPACE string = ml.outputs.workspaceName
output AZUREML_COMPUTE string = ml.outputs.computeName
output AZUREML_COMPUTE_VM_SIZE string = amlComputeVmSize
output AZUREML_COMPUTE_MAX_NODES int = amlComputeMaxNodes
output AZUREML_INSTANCE_TYPE string = amlInstanceType
output AZUREML_INSTANCE_COUNT int = amlInstanceCount
output FUNCTION_NODE_VERSION string = functionNodeVersion
