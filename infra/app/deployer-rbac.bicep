// What the person or pipeline running azd gets: what `azd deploy` needs, and (off by default) data
// access for debugging. Deployed after the function app, which the publish role is scoped to.
// Assignment names follow rbac.bicep: guid(scope, principal ID, role).

@description('Name of the storage account the debugging roles are scoped to.')
param storageAccountName string

@description('Name of the function app the deploying principal may publish to.')
param functionAppName string

@description('Principal (object) ID of the person or pipeline running azd.')
param deployerPrincipalId string

@description('Kind of principal deployerPrincipalId is.')
@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
param deployerPrincipalType string = 'User'

@description('Also give the deploying principal read access to the package container and read/write access to the tables, for debugging.')
param deployerDataAccess bool = false

// Built-in role definition IDs (the same in every tenant).
var roles = {
  // `azd deploy` publishes the package through the app's SCM /api/publish endpoint with an Entra
  // token (Azure/azure-dev cli/azd/pkg/azapi/function_app.go), which needs Microsoft.Web/sites/*.
  websiteContributor: 'de139f84-1756-47ae-9be6-808fbbe84772'
  // `azd deploy` finds the app by its azd-service-name tag in the resource group and reads its plan
  // (to tell Flex Consumption from other plans).
  reader: 'acdd72a7-3385-48ef-bd42-f606fba81ae7'
  // Debugging: the deployment package, read only.
  storageBlobDataReader: '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1'
  // Debugging: the assignments and mock-state tables (Storage Explorer, the portal).
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
}

var debugDataRoles = [
  roles.storageBlobDataReader
  roles.storageTableDataContributor
]

resource storage 'Microsoft.Storage/storageAccounts@2026-09-01' existing = {
  name: storageAccountName
}

resource functionApp 'Microsoft.Web/sites@2025-03-01' existing = {
  name: functionAppName
}

resource publishRoleAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(functionApp.id, deployerPrincipalId, roles.websiteContributor)
  scope: functionApp
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.websiteContributor)
    principalId: deployerPrincipalId
    principalType: deployerPrincipalType
  }
}

resource readerRoleAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(resourceGroup().id, deployerPrincipalId, roles.reader)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.reader)
    principalId: deployerPrincipalId
    principalType: deployerPrincipalType
  }
}

resource debugDataRoleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for roleId in debugDataRoles: if (deployerDataAccess) {
    name: guid(storage.id, deployerPrincipalId, roleId)
    scope: storage
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId)
      principalId: deployerPrincipalId
      principalType: deployerPrincipalType
    }
  }
]
