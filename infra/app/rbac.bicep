// Every permission the app's identity gets, in one place. The app authenticates to storage,
// Application Insights and Key Vault with its user-assigned identity only, so these role assignments
// are the whole of its access. The deploying principal's roles are in deployer-rbac.bicep.
//
// Each assignment is named guid(scope, principal ID, role). A principal ID belongs to one identity
// object: if the identity is deleted and created again under the same name it gets a new principal
// ID, so the assignments get new names instead of colliding with the old ones
// (RoleAssignmentUpdateNotPermitted, which a name keyed on the identity's resource ID produced).

@description('Name of the storage account the storage roles are scoped to.')
param storageAccountName string

@description('Name of the Application Insights component the metrics role is scoped to.')
param applicationInsightsName string

@description('Name of the Key Vault holding the app\'s secrets; empty when there is none.')
param keyVaultName string = ''

@description('Principal (object) ID of the app\'s user-assigned managed identity.')
param appPrincipalId string

// Built-in role definition IDs (the same in every tenant).
var roles = {
  // The host's keys and locks (it creates its own containers), and the deployment package. Functions
  // docs ("Connecting to host storage with an identity") name Blob Data Owner for host storage.
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  // The assignments table, the <table>Configs, <table>State and <table>Journal tables the app creates on first use,
  // and the host's diagnostic-event tables: account scope, since three of those tables are created at run time.
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  // Entra ID ingestion into Application Insights, which has local (key) auth disabled.
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
  // Reading secret values, which is what resolving a @Microsoft.KeyVault(...) app setting does.
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
}

// No queue role: the app has only HTTP triggers, and the host uses queues only for queue and blob
// triggers and Durable Functions (the official azd sample enables queues for exactly those).
var appStorageRoles = [
  roles.storageBlobDataOwner
  roles.storageTableDataContributor
]

resource storage 'Microsoft.Storage/storageAccounts@2026-09-01' existing = {
  name: storageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource keyVault 'Microsoft.KeyVault/vaults@2025-05-01' existing = if (!empty(keyVaultName)) {
  name: keyVaultName
}

resource appStorageRoleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for roleId in appStorageRoles: {
    name: guid(storage.id, appPrincipalId, roleId)
    scope: storage
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId)
      principalId: appPrincipalId
      // Stated explicitly so a freshly created identity is not rejected before it has replicated.
      principalType: 'ServicePrincipal'
    }
  }
]

resource appMetricsRoleAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(applicationInsights.id, appPrincipalId, roles.monitoringMetricsPublisher)
  scope: applicationInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource appSecretsRoleAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(keyVaultName)) {
  name: guid(keyVault.id, appPrincipalId, roles.keyVaultSecretsUser)
  scope: keyVault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}
