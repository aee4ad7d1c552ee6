// The user-assigned identity the function app runs as. It is created on its own, before the app, so
// its role assignments can exist before the app first starts and reaches for storage.

@description('Name of the user-assigned managed identity.')
param name string

@description('Azure region for the identity.')
param location string

@description('Tags applied to the identity.')
param tags resourceTags

@description('Tag set applied to every resource.')
type resourceTags = { *: string }

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: name
  location: location
  tags: tags
}

@description('Resource ID of the identity, for the app\'s identity block and deployment-storage authentication.')
output resourceId string = identity.id

@description('Client (application) ID of the identity: what AzureWebJobsStorage__clientId and friends name.')
output clientId string = identity.properties.clientId

@description('Object (principal) ID of the identity: what role assignments are granted to.')
output principalId string = identity.properties.principalId

@description('Name of the identity.')
output name string = identity.name
