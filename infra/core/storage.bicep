// One storage account serves three purposes: the Functions host's own storage (AzureWebJobsStorage:
// blobs and tables, no queues), the blob container Flex Consumption deploys the app package from, and
// the table where the mock keeps enrollment configuration assignments. Access is by Entra ID only: shared keys are disabled, so no
// connection string with an account key exists anywhere.

@description('Name of the storage account (3-24 lowercase letters and digits, globally unique).')
@minLength(3)
@maxLength(24)
param name string

@description('Azure region for the storage account.')
param location string

@description('Tags applied to the storage account.')
param tags resourceTags

@description('Blob container that holds the function app package Flex Consumption runs from.')
@minLength(3)
@maxLength(63)
param deploymentContainerName string

@description('Table that stores enrollment configuration assignments.')
@minLength(3)
@maxLength(63)
param assignmentsTableName string

@description('Tag set applied to every resource.')
type resourceTags = { *: string }

resource storage 'Microsoft.Storage/storageAccounts@2026-09-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    // A mock's data is reproducible, so locally redundant storage is enough and the cheapest.
    name: 'Standard_LRS'
  }
  properties: {
    accessTier: 'Hot'
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      // The Flex app has no virtual network here, so it reaches storage over the public endpoint;
      // Entra ID authorisation (not the network) is what keeps the data private.
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2026-09-01' = {
  parent: storage
  name: 'default'
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2026-09-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2026-09-01' = {
  parent: storage
  name: 'default'
}

// Created by the template, so the table exists before the first request and a name the service
// rejects fails the deployment rather than the app's first write.
resource assignmentsTable 'Microsoft.Storage/storageAccounts/tableServices/tables@2026-09-01' = {
  parent: tableService
  name: assignmentsTableName
}

@description('Name of the storage account.')
output name string = storage.name

@description('Blob endpoint, e.g. https://<account>.blob.core.windows.net/.')
output blobEndpoint string = storage.properties.primaryEndpoints.blob

@description('Table endpoint, e.g. https://<account>.table.core.windows.net/.')
output tableEndpoint string = storage.properties.primaryEndpoints.table

@description('Name of the deployment package container.')
output deploymentContainerName string = deploymentContainer.name

@description('Name of the assignments table.')
output assignmentsTableName string = assignmentsTable.name
