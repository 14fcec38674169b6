// Function app on the Flex Consumption plan (FC1, Linux), running with a user-assigned identity.
// The deployment package lives in a blob container the identity reads; no connection strings.
param planName string
param name string
param location string = resourceGroup().location
param tags object = {}
@description('Tag value azd uses to find the app for `azd deploy` (azure.yaml services.<name>).')
param serviceName string
param runtimeName string = 'node'
@description('Runtime version; for node the major version (22 or 24 on Flex Consumption).')
param runtimeVersion string = '22'
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40
param identityId string
@description('Blob endpoint of the deployment storage account, e.g. https://st.blob.core.windows.net/')
param deploymentStorageBlobEndpoint string
param deploymentStorageContainerName string
@description('App settings as name/value pairs (no secrets: identity-based connections only).')
param appSettings object = {}

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true // Linux
  }
}

resource site 'Microsoft.Web/sites@2025-03-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${deploymentStorageBlobEndpoint}${deploymentStorageContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
        // No always-ready instances: the app scales to zero and keeps the free monthly grant.
        alwaysReady: []
      }
      runtime: {
        name: runtimeName
        version: runtimeVersion
      }
    }
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      // Flex Consumption rejects FUNCTIONS_WORKER_RUNTIME / FUNCTIONS_EXTENSION_VERSION here:
      // the runtime comes from functionAppConfig.runtime.
      appSettings: [for setting in items(appSettings): { name: setting.key, value: string(setting.value) }]
    }
  }
}

output name string = site.name
output resourceId string = site.id
output defaultHostName string = site.properties.defaultHostName
output uri string = 'https://${site.properties.defaultHostName}'
output planId string = plan.id
