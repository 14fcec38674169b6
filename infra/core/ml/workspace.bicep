// Azure Machine Learning workspace with its dependencies (Key Vault, storage, container registry,
// Application Insights) and a CPU compute cluster for AutoML jobs that scales to zero.
param workspaceName string
param keyVaultName string
param storageAccountName string
param containerRegistryName string
param applicationInsightsName string
param logAnalyticsWorkspaceId string
param computeName string
param location string = resourceGroup().location
param tags object = {}
@description('VM size of the AutoML compute cluster nodes.')
param computeVmSize string = 'Standard_DS3_v2'
@minValue(1)
@description('Upper bound of cluster nodes (AutoML runs one trial per node).')
param computeMaxNodes int = 4
@allowed(['Dedicated', 'LowPriority'])
param computeVmPriority string = 'Dedicated'

resource keyVault 'Microsoft.KeyVault/vaults@2025-05-01' = {
  name: keyVaultName
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    // Access-policy model, as in the Azure ML workspace quickstart template: the workspace adds the
    // policy for its own identity when it is created.
    enableRbacAuthorization: false
    accessPolicies: []
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    publicNetworkAccess: 'Enabled'
  }
}

// The workspace's default datastores authenticate with the account's keys, as Azure ML sets them
// up by default; the app's own storage account keeps shared keys disabled.
resource mlStorage 'Microsoft.Storage/storageAccounts@2025-06-01' = {
  name: storageAccountName
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
  }
}

resource containerRegistry 'Microsoft.ContainerRegistry/registries@2025-04-01' = {
  name: containerRegistryName
  location: location
  tags: tags
  sku: {
    name: 'Basic'
  }
  properties: {
    adminUserEnabled: false
  }
}

// The workspace's own App Insights (online endpoint request logs); the function app reports to the
// one in core/monitor.
resource mlInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: applicationInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logAnalyticsWorkspaceId
  }
}

resource workspace 'Microsoft.MachineLearningServices/workspaces@2025-06-01' = {
  name: workspaceName
  location: location
  tags: tags
  sku: {
    name: 'Basic'
    tier: 'Basic'
  }
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    friendlyName: workspaceName
    keyVault: keyVault.id
    storageAccount: mlStorage.id
    containerRegistry: containerRegistry.id
    applicationInsights: mlInsights.id
    publicNetworkAccess: 'Enabled'
  }
}

resource compute 'Microsoft.MachineLearningServices/workspaces/computes@2025-06-01' = {
  parent: workspace
  name: computeName
  location: location
  tags: tags
  properties: {
    computeType: 'AmlCompute'
    properties: {
      osType: 'Linux'
      vmSize: computeVmSize
      vmPriority: computeVmPriority
      remoteLoginPortPublicAccess: 'Disabled'
      scaleSettings: {
        minNodeCount: 0
        maxNodeCount: computeMaxNodes
        nodeIdleTimeBeforeScaleDown: 'PT120S'
      }
    }
  }
}

output workspaceName string = workspace.name
output workspaceId string = workspace.id
output computeName string = compute.name
output storageAccountName string = mlStorage.name
output keyVaultName string = keyVault.name
output containerRegistryName string = containerRegistry.name
