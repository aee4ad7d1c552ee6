// Log Analytics workspace and a workspace-based Application Insights component. Local (key-based)
// ingestion is disabled: telemetry is accepted only from identities holding Monitoring Metrics
// Publisher, which rbac.bicep grants to the app's managed identity.

@description('Name of the Log Analytics workspace.')
param logAnalyticsName string

@description('Name of the Application Insights component.')
param applicationInsightsName string

@description('Azure region for both resources.')
param location string

@description('Tags applied to both resources.')
param tags resourceTags

@description('Days Log Analytics keeps data. 30 is the retention included in the ingestion price.')
@minValue(30)
@maxValue(730)
param retentionInDays int = 30

@description('Most data Log Analytics ingests per day, in GB, as a decimal string because Bicep has no floats (e.g. 0.5); -1 for no cap. Past the cap, telemetry is dropped until the next day.')
param dailyQuotaGb string = '0.5'

@description('Tag set applied to every resource.')
type resourceTags = { *: string }

resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2026-03-01' = {
  name: logAnalyticsName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionInDays
    workspaceCapping: {
      // The only hard ceiling on telemetry cost: ingestion stops for the rest of the day (UTC reset
      // hour) once reached. Application Insights is workspace-based, so this caps it too.
      dailyQuotaGb: json(dailyQuotaGb)
    }
    features: {
      // Queries must be authorised by Azure RBAC on the resource, not only by workspace permissions.
      enableLogAccessUsingOnlyResourcePermissions: true
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
    // Entra ID only: the instrumentation key in the connection string is no longer enough to send data.
    DisableLocalAuth: true
  }
}

@description('Name of the Application Insights component; the app reads its connection string by name.')
output applicationInsightsName string = applicationInsights.name

@description('Name of the Log Analytics workspace.')
output logAnalyticsName string = logAnalytics.name
