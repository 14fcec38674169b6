// Log Analytics workspace + workspace-based Application Insights with local (instrumentation key)
// authentication disabled: telemetry is accepted only from Entra identities holding Monitoring
// Metrics Publisher (granted in app/rbac.bicep).
param logAnalyticsName string
param applicationInsightsName string
param location string = resourceGroup().location
param tags object = {}
@minValue(30)
param retentionInDays int = 30

resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2025-02-01' = {
  name: logAnalyticsName
  location: location
  tags: tags
  properties: {
    retentionInDays: retentionInDays
    sku: {
      name: 'PerGB2018'
    }
  }
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: applicationInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logAnalytics.id
    DisableLocalAuth: true
  }
}

output logAnalyticsWorkspaceId string = logAnalytics.id
output logAnalyticsName string = logAnalytics.name
output applicationInsightsName string = applicationInsights.name
output applicationInsightsId string = applicationInsights.id
// A connection string identifies the ingestion endpoint; with local auth disabled it grants nothing
// on its own (the quickstarts output it the same way).
output applicationInsightsConnectionString string = applicationInsights.properties.ConnectionString
