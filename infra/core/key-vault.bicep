// The Key Vault that keeps the app's secrets (AUTH_API_KEYS, MOCK_ADMIN_KEY) out of its app settings.
// The app settings hold @Microsoft.KeyVault(SecretUri=...) references instead, which the platform
// resolves with the app's user-assigned identity (Key Vault Secrets User, granted in rbac.bicep).
//
// Azure RBAC only (no access policies), purge protection on. Secrets are written through ARM
// (Microsoft.KeyVault/vaults/secrets), a control-plane operation, so the deploying principal needs no
// data-plane role on the vault.

@description('Name of the Key Vault (3-24 letters, digits and hyphens, globally unique).')
@minLength(3)
@maxLength(24)
param name string

@description('Azure region for the vault.')
param location string

@description('Tags applied to the vault.')
param tags resourceTags

@description('Comma-separated API keys (AUTH_API_KEYS).')
@secure()
param authApiKeys string

@description('Key for the mock\'s admin endpoints (MOCK_ADMIN_KEY).')
@secure()
param mockAdminKey string

@description('Whether authApiKeys is non-empty. Passed in because an output may not depend on a secure value.')
param storeAuthApiKeys bool

@description('Whether mockAdminKey is non-empty.')
param storeMockAdminKey bool

@description('Days a deleted vault stays recoverable (and its name taken). 7 is the least Key Vault allows.')
@minValue(7)
@maxValue(90)
param softDeleteRetentionInDays int = 7

@description('Tag set applied to every resource.')
type resourceTags = { *: string }

resource vault 'Microsoft.KeyVault/vaults@2025-05-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    accessPolicies: []
    enableSoftDelete: true
    softDeleteRetentionInDays: softDeleteRetentionInDays
    // Cannot be turned off again once on: a deleted vault and its secrets stay recoverable for the
    // retention period, and nobody can purge them sooner.
    enablePurgeProtection: true
    enabledForDeployment: false
    enabledForDiskEncryption: false
    enabledForTemplateDeployment: false
    // The Flex app has no virtual network here, so it reaches the vault over the public endpoint;
    // Entra ID authorisation is what keeps the secrets private.
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource authApiKeysSecret 'Microsoft.KeyVault/vaults/secrets@2025-05-01' = if (storeAuthApiKeys) {
  parent: vault
  name: 'auth-api-keys'
  properties: {
    value: authApiKeys
    contentType: 'Comma-separated API keys (AUTH_API_KEYS)'
  }
}

resource mockAdminKeySecret 'Microsoft.KeyVault/vaults/secrets@2025-05-01' = if (storeMockAdminKey) {
  parent: vault
  name: 'mock-admin-key'
  properties: {
    value: mockAdminKey
    contentType: 'Admin endpoint key (MOCK_ADMIN_KEY)'
  }
}

// The versioned URI, so a changed secret is a changed app setting: the app restarts with the new value
// at once instead of picking it up within a day, as a versionless reference would.
@description('AUTH_API_KEYS app setting: a Key Vault reference, or empty when no keys were given.')
output authApiKeysReference string = !storeAuthApiKeys ? '' : '@Microsoft.KeyVault(SecretUri=${authApiKeysSecret!.properties.secretUriWithVersion})'

@description('MOCK_ADMIN_KEY app setting: a Key Vault reference, or empty when no key was given.')
output mockAdminKeyReference string = !storeMockAdminKey ? '' : '@Microsoft.KeyVault(SecretUri=${mockAdminKeySecret!.properties.secretUriWithVersion})'

@description('Name of the vault.')
output name string = vault.name
