// Entry point for `azd provision`: creates the resource group and wires the modules under core/ and
// app/. Every other resource is declared in those modules, not here.
//
// Subscription scope (azd's default) rather than resource-group scope: azd then creates a resource
// group of its own for each environment, and `azd down` deletes exactly that group. With a
// resource-group-scoped template azd deploys into a group you pick, and `azd down` deletes that
// whole group, including anything else that was in it.
targetScope = 'subscription'

// ---------------------------------------------------------------------------------------------
// Environment
// ---------------------------------------------------------------------------------------------

@description('azd environment name (AZURE_ENV_NAME). Names the resource group and seeds every generated name.')
@minLength(1)
@maxLength(64)
param environmentName string

// Regions that offer Flex Consumption (FC1), as listed in the official azd sample
// Azure-Samples/functions-quickstart-typescript-azd, infra/main.bicep at commit 57f91522, read
// 2026-12-02, less eastus2euap (an early-access region ordinary subscriptions cannot deploy to).
// Check or extend with `az functionapp list-flexconsumption-locations -o table`; docs/deploy.md says
// how to add a region.
@description('Azure region for all resources; only regions that offer Flex Consumption are accepted.')
@allowed([
  'australiaeast'
  'australiasoutheast'
  'brazilsouth'
  'canadacentral'
  'centralindia'
  'centralus'
  'eastasia'
  'eastus'
  'eastus2'
  'francecentral'
  'germanywestcentral'
  'italynorth'
  'japaneast'
  'koreacentral'
  'northcentralus'
  'northeurope'
  'norwayeast'
  'southafricanorth'
  'southcentralus'
  'southeastasia'
  'southindia'
  'spaincentral'
  'swedencentral'
  'uaenorth'
  'uksouth'
  'ukwest'
  'westcentralus'
  'westeurope'
  'westus'
  'westus2'
  'westus3'
])
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Object ID of the person or pipeline running azd (AZURE_PRINCIPAL_ID). Gets what `azd deploy` needs (Website Contributor on the app, Reader on the resource group); empty grants nothing.')
param principalId string = ''

@description('Kind of principal principalId is: User for `azd up` from a terminal, ServicePrincipal for a pipeline.')
@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
param principalType string = 'User'

@description('Also give principalId data access for debugging: read the deployment package, read and write the tables (AZURE_DEPLOYER_DATA_ACCESS).')
param deployerDataAccess bool = false

// ---------------------------------------------------------------------------------------------
// Resource names: empty means "derive from the resource token"
// ---------------------------------------------------------------------------------------------

@description('Resource group name. Default: rg-<environmentName>.')
param resourceGroupName string = ''

@description('Storage account name (3-24 lowercase letters and digits, globally unique). Default: st<token>.')
param storageAccountName string = ''

@description('User-assigned managed identity name. Default: id-api-<token>.')
param identityName string = ''

@description('Flex Consumption plan name. Default: plan-api-<token>.')
param appServicePlanName string = ''

@description('Function app name (globally unique; it is the host name). Default: func-api-<token>.')
param functionAppName string = ''

@description('Log Analytics workspace name. Default: log-<token>.')
param logAnalyticsName string = ''

@description('Application Insights component name. Default: appi-<token>.')
param applicationInsightsName string = ''

@description('Key Vault name (3-24 letters, digits and hyphens, globally unique). Default: kv-<token>.')
param keyVaultName string = ''

@description('Blob container the deployment package is uploaded to.')
@minLength(3)
@maxLength(63)
param deploymentContainerName string = 'deploymentpackage'

// ---------------------------------------------------------------------------------------------
// Scale
// ---------------------------------------------------------------------------------------------

@description('Memory per Flex Consumption instance, in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Most instances the app scales out to (Flex accepts 40-1000). Limits cost under steady load, but HTTP bursts can briefly exceed it, so it is not a hard cap.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Node.js major version the app runs on. 24 is GA on Flex Consumption; 22 is kept for regions or rollbacks that need it.')
@allowed([
  '22'
  '24'
])
param nodeVersion string = '24'

// ---------------------------------------------------------------------------------------------
// Cost and secrets
// ---------------------------------------------------------------------------------------------

@description('Daily Log Analytics ingestion cap in GB, a decimal string because Bicep has no floats (e.g. 0.5); -1 for none. Telemetry past the cap is dropped until the next day.')
param logAnalyticsDailyCapGb string = '0.5'

@description('Keep AUTH_API_KEYS and MOCK_ADMIN_KEY in a Key Vault (RBAC, purge protection) and reference them from the app settings. Off writes AUTH_API_KEYS as a plain app setting and refuses a MOCK_ADMIN_KEY.')
param keyVaultEnabled bool = true

// ---------------------------------------------------------------------------------------------
// The app's own settings (each becomes the app setting named in its description)
// ---------------------------------------------------------------------------------------------

@description('Table that stores enrollment configuration assignments (ASSIGNMENTS_TABLE): 3-56 letters and digits, starting with a letter. The app keeps configurations, mock state and the request journal in <name>Configs, <name>State and <name>Journal beside it.')
@minLength(3)
@maxLength(56)
param assignmentsTableName string = 'EnrollmentConfigurationAssignments'

@description('Per-request Table Storage timeout in milliseconds (STORAGE_TIMEOUT_MS).')
@minValue(1)
@maxValue(60000)
param storageTimeoutMs int = 4000

@description('How callers are authenticated (AUTH_MODE). apikey: a bearer token from authApiKeys; jwt: an Entra ID token; dev: any bearer token (never for a shared endpoint).')
@allowed([
  'apikey'
  'jwt'
  'dev'
])
param authMode string = 'apikey'

@description('Comma-separated API keys accepted as bearer tokens in apikey mode (AUTH_API_KEYS). No default, so azd asks for it; in jwt or dev mode any placeholder will do.')
@secure()
param authApiKeys string

@description('JWKS URI for jwt mode (AUTH_JWKS_URI). Empty: this tenant\'s Entra ID v2.0 signing keys.')
param authJwksUri string = ''

@description('Accepted token issuer for jwt mode (AUTH_ISSUER). Empty: this tenant\'s Entra ID v2.0 issuer.')
param authIssuer string = ''

@description('Accepted token audience for jwt mode (AUTH_AUDIENCE), e.g. api://<app-id>. Empty leaves it to the app.')
param authAudience string = ''

@description('Let callers steer mock behaviour per request (MOCK_CONTROLS).')
@allowed([
  'on'
  'off'
])
param mockControls string = 'off'

@description('Retry-After seconds sent with simulated throttling (MOCK_RETRY_AFTER_SECONDS).')
@minValue(0)
@maxValue(3600)
param mockRetryAfterSeconds int = 10

@description('Ceiling on simulated latency in milliseconds (MOCK_MAX_LATENCY_MS).')
@minValue(0)
@maxValue(220000)
param mockMaxLatencyMs int = 30000

@description('Share of requests that fail on purpose, a decimal between 0 and 1 written as a string because Bicep has no floats (MOCK_FAILURE_RATE).')
param mockFailureRate string = '0'

@description('Comma-separated HTTP statuses that simulated failures use (MOCK_FAILURE_STATUSES).')
param mockFailureStatuses string = '429,503'

@description('Simulated latency as "min-max" milliseconds, e.g. 50-200; empty for none (MOCK_LATENCY_MS).')
param mockLatencyMs string = ''

@description('Seed that makes simulated failures and latency repeatable; empty for random (MOCK_SEED).')
param mockSeed string = ''

@description('Simulated rate limit: off; intune (Intune\'s documented write limits: 100 writes per 20 s per caller, 200 per 20 s in all); or "<requests>/<seconds>" such as 100/20, every request per caller (MOCK_RATE_LIMIT).')
param mockRateLimit string = 'off'

@description('Turn on the mock\'s admin endpoints (MOCK_ADMIN); they need mockAdminKey.')
@allowed([
  'on'
  'off'
])
param mockAdmin string = 'off'

@description('Bearer key for the admin endpoints (MOCK_ADMIN_KEY). Stored in the Key Vault, never in an app setting; needs keyVaultEnabled.')
@secure()
param mockAdminKey string = ''

@description('Whether requests are recorded in the request journal (MOCK_JOURNAL): on or off.')
param mockJournal string = 'on'

@description('How many journal entries are kept, newest first (MOCK_JOURNAL_MAX_ENTRIES).')
param mockJournalMaxEntries string = '1000'

@description('Answer a retry that comes before Retry-After elapsed with 429 (MOCK_ENFORCE_RETRY_AFTER): on or off.')
param mockEnforceRetryAfter string = 'off'

@description('Path of a JSON seed file loaded at start-up (MOCK_SEED_FILE); empty for none.')
param mockSeedFile string = ''

@description('Which Graph behaviour the mock follows where Graph\'s documentation and Intune differ: documented or intune (MOCK_PROFILE).')
@allowed([
  'documented'
  'intune'
])
param mockProfile string = 'documented'

@description('Whether assignments need a configuration the tenant has, else 404 (MOCK_REQUIRE_CONFIGURATION): on, off, or empty to follow mockProfile (on under intune).')
@allowed([
  ''
  'on'
  'off'
])
param mockRequireConfiguration string = ''

@description('The tenant id (a GUID) of requests that name no tenant, and of rows written before tenants existed (DEFAULT_TENANT_ID).')
param defaultTenantId string = '00000000-0000-0000-0000-000000000000'

@description('Comma-separated browser origins allowed by CORS, e.g. https://portal.example.com; empty allows none (CORS_ALLOWED_ORIGINS).')
param corsAllowedOrigins string = ''

// ---------------------------------------------------------------------------------------------
// Derived values
// ---------------------------------------------------------------------------------------------

var effectiveResourceGroupName = empty(resourceGroupName) ? 'rg-${environmentName}' : resourceGroupName

// Stable per subscription, resource group, region and environment, so re-provisioning finds the same
// resources and two environments never collide on the globally unique names.
var resourceToken = toLower(uniqueString(subscription().id, effectiveResourceGroupName, location, environmentName))

var tags = {
  'azd-env-name': environmentName
}

// Every resource name is known before deployment starts (none comes from a module output), so
// What-If can predict each resource. Role assignments are the exception: they are named after the
// identity's principal ID (app/rbac.bicep), which exists only once the identity does.
var names = {
  storageAccount: empty(storageAccountName) ? 'st${resourceToken}' : storageAccountName
  identity: empty(identityName) ? 'id-api-${resourceToken}' : identityName
  plan: empty(appServicePlanName) ? 'plan-api-${resourceToken}' : appServicePlanName
  functionApp: empty(functionAppName) ? 'func-api-${resourceToken}' : functionAppName
  logAnalytics: empty(logAnalyticsName) ? 'log-${resourceToken}' : logAnalyticsName
  applicationInsights: empty(applicationInsightsName) ? 'appi-${resourceToken}' : applicationInsightsName
  keyVault: empty(keyVaultName) ? 'kv-${resourceToken}' : keyVaultName
}

// Entra ID endpoints for this cloud and tenant, used when jwt mode is not given its own.
var entraAuthority = '${environment().authentication.loginEndpoint}${tenant().tenantId}'

// A MOCK_ADMIN_KEY only ever goes into the Key Vault: without the vault it would be a plain app
// setting, readable by anyone who can read the app's configuration. The resource group's tags carry
// the refusal, so it fails validation, before anything is created.
var mockAdminKeyRefused = !keyVaultEnabled && !empty(mockAdminKey)
// The app itself refuses to start in Azure with MOCK_ADMIN=on and no key (anyone could reset or seed
// the data); saying so here fails the deployment before it creates an app that cannot start.
var mockAdminWithoutKey = mockAdmin == 'on' && empty(mockAdminKey)

// ---------------------------------------------------------------------------------------------
// Modules
// ---------------------------------------------------------------------------------------------

resource rg 'Microsoft.Resources/resourceGroups@2025-04-01' = {
  name: effectiveResourceGroupName
  location: location
  tags: mockAdminKeyRefused
    ? fail('mockAdminKey (MOCK_ADMIN_KEY) needs keyVaultEnabled (AZURE_KEY_VAULT_ENABLED=true): it is never written as a plain app setting.')
    : mockAdminWithoutKey
        ? fail('mockAdmin=on (MOCK_ADMIN) needs mockAdminKey (MOCK_ADMIN_KEY): without it anyone could reset or seed the data, and the app would refuse to start.')
        : tags
}

module monitoring 'core/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: names.logAnalytics
    applicationInsightsName: names.applicationInsights
    location: location
    tags: tags
    dailyQuotaGb: logAnalyticsDailyCapGb
  }
}

module storage 'core/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: names.storageAccount
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
    assignmentsTableName: assignmentsTableName
  }
}

module identity 'core/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: names.identity
    location: location
    tags: tags
  }
}

module keyVault 'core/key-vault.bicep' = if (keyVaultEnabled) {
  name: 'keyVault'
  scope: rg
  params: {
    name: names.keyVault
    location: location
    tags: tags
    authApiKeys: authApiKeys
    mockAdminKey: mockAdminKey
    storeAuthApiKeys: !empty(authApiKeys)
    storeMockAdminKey: !empty(mockAdminKey)
  }
}

module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    storageAccountName: names.storageAccount
    applicationInsightsName: names.applicationInsights
    keyVaultName: keyVaultEnabled ? names.keyVault : ''
    // Role assignments are named after the principal ID so that a re-created identity gets new ones
    // (app/rbac.bicep); the price is that What-If cannot predict those names.
    #disable-next-line what-if-short-circuiting
    appPrincipalId: identity.outputs.principalId
  }
  // Names are passed as plain strings (see `names`), so the order is stated here.
  dependsOn: [
    storage
    monitoring
    keyVault
  ]
}

module api 'app/function-app.bicep' = {
  name: 'api'
  scope: rg
  params: {
    name: names.functionApp
    planName: names.plan
    location: location
    tags: tags
    serviceName: 'api'
    identityResourceId: identity.outputs.resourceId
    identityClientId: identity.outputs.clientId
    blobEndpoint: storage.outputs.blobEndpoint
    tableEndpoint: storage.outputs.tableEndpoint
    deploymentContainerName: storage.outputs.deploymentContainerName
    applicationInsightsName: names.applicationInsights
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    nodeVersion: nodeVersion
    assignmentsTableName: storage.outputs.assignmentsTableName
    storageTimeoutMs: storageTimeoutMs
    authMode: authMode
    authApiKeysSetting: keyVaultEnabled ? keyVault!.outputs.authApiKeysReference : authApiKeys
    authJwksUri: empty(authJwksUri) ? '${entraAuthority}/discovery/v2.0/keys' : authJwksUri
    authIssuer: empty(authIssuer) ? '${entraAuthority}/v2.0' : authIssuer
    authAudience: authAudience
    mockControls: mockControls
    mockRetryAfterSeconds: mockRetryAfterSeconds
    mockMaxLatencyMs: mockMaxLatencyMs
    mockFailureRate: mockFailureRate
    mockFailureStatuses: mockFailureStatuses
    mockLatencyMs: mockLatencyMs
    mockSeed: mockSeed
    mockRateLimit: mockRateLimit
    mockAdmin: mockAdmin
    mockAdminKeySetting: keyVaultEnabled ? keyVault!.outputs.mockAdminKeyReference : ''
    mockProfile: mockProfile
    mockRequireConfiguration: mockRequireConfiguration
    defaultTenantId: defaultTenantId
    mockJournal: mockJournal
    mockJournalMaxEntries: mockJournalMaxEntries
    mockEnforceRetryAfter: mockEnforceRetryAfter
    mockSeedFile: mockSeedFile
    corsAllowedOrigins: corsAllowedOrigins
    keyVaultReferenceIdentity: keyVaultEnabled ? identity.outputs.resourceId : ''
  }
  // The app's first start reads its package, host storage and secrets through the identity, so the
  // role assignments go in first; and the component it reports to is passed by name only.
  dependsOn: [
    monitoring
    rbac
  ]
}

module deployerRbac 'app/deployer-rbac.bicep' = if (!empty(principalId)) {
  name: 'deployerRbac'
  scope: rg
  params: {
    storageAccountName: names.storageAccount
    functionAppName: names.functionApp
    deployerPrincipalId: principalId
    deployerPrincipalType: principalType
    deployerDataAccess: deployerDataAccess
  }
  // The publish role is scoped to the app, passed by name.
  dependsOn: [
    api
  ]
}

// ---------------------------------------------------------------------------------------------
// Outputs (azd writes each into .azure/<env>/.env)
// ---------------------------------------------------------------------------------------------

@description('Region the resources were created in.')
output AZURE_LOCATION string = location

@description('Entra ID tenant of the subscription.')
output AZURE_TENANT_ID string = tenant().tenantId

@description('Resource group holding every resource; azd looks services up here.')
output AZURE_RESOURCE_GROUP string = rg.name

@description('Name of the function app azd deploys the api service to.')
output SERVICE_API_NAME string = api.outputs.name

@description('Base URL of the deployed api service.')
output SERVICE_API_URI string = api.outputs.uri

@description('Base URL to point Graph clients at instead of https://graph.microsoft.com (paths start with /beta).')
output API_BASE_URL string = api.outputs.uri

@description('Name of the function app.')
output AZURE_FUNCTION_APP_NAME string = api.outputs.name

@description('Name of the storage account holding the assignments table.')
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name

@description('Name of the assignments table.')
output ASSIGNMENTS_TABLE string = storage.outputs.assignmentsTableName

@description('Authentication mode the deployed app runs in.')
output AUTH_MODE string = authMode

@description('Name of the Key Vault holding the app\'s secrets; empty when keyVaultEnabled is false. Secret values are never outputs.')
output AZURE_KEY_VAULT_NAME string = keyVaultEnabled ? keyVault!.outputs.name : ''
