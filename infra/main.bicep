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

@description('Azure region for all resources. It must offer Flex Consumption: `az functionapp list-flexconsumption-locations`.')
@minLength(1)
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Object ID of the person or pipeline running azd (AZURE_PRINCIPAL_ID). Gets data access to the storage account; empty grants nothing.')
param principalId string = ''

@description('Kind of principal principalId is: User for `azd up` from a terminal, ServicePrincipal for a pipeline.')
@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
param principalType string = 'User'

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

@description('Most instances the app may scale out to (Flex accepts 40-1000). Also a ceiling on cost under load.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 40

// ---------------------------------------------------------------------------------------------
// The app's own settings (each becomes the app setting named in its description)
// ---------------------------------------------------------------------------------------------

@description('Table that stores enrollment configuration assignments (ASSIGNMENTS_TABLE): 3-63 letters and digits, starting with a letter.')
@minLength(3)
@maxLength(63)
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

// Every name is known before deployment starts (none comes from a module output), so What-If can
// predict each resource and role assignment exactly.
var names = {
  storageAccount: empty(storageAccountName) ? 'st${resourceToken}' : storageAccountName
  identity: empty(identityName) ? 'id-api-${resourceToken}' : identityName
  plan: empty(appServicePlanName) ? 'plan-api-${resourceToken}' : appServicePlanName
  functionApp: empty(functionAppName) ? 'func-api-${resourceToken}' : functionAppName
  logAnalytics: empty(logAnalyticsName) ? 'log-${resourceToken}' : logAnalyticsName
  applicationInsights: empty(applicationInsightsName) ? 'appi-${resourceToken}' : applicationInsightsName
}

// Entra ID endpoints for this cloud and tenant, used when jwt mode is not given its own.
var entraAuthority = '${environment().authentication.loginEndpoint}${tenant().tenantId}'

// ---------------------------------------------------------------------------------------------
// Modules
// ---------------------------------------------------------------------------------------------

resource rg 'Microsoft.Resources/resourceGroups@2025-04-01' = {
  name: effectiveResourceGroupName
  location: location
  tags: tags
}

module monitoring 'core/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: names.logAnalytics
    applicationInsightsName: names.applicationInsights
    location: location
    tags: tags
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

module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    storageAccountName: names.storageAccount
    applicationInsightsName: names.applicationInsights
    appIdentityName: names.identity
    deployerPrincipalId: principalId
    deployerPrincipalType: principalType
  }
  // Names are passed as plain strings (see `names`), so the order is stated here.
  dependsOn: [
    storage
    monitoring
    identity
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
    queueEndpoint: storage.outputs.queueEndpoint
    tableEndpoint: storage.outputs.tableEndpoint
    deploymentContainerName: storage.outputs.deploymentContainerName
    applicationInsightsName: names.applicationInsights
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    assignmentsTableName: storage.outputs.assignmentsTableName
    storageTimeoutMs: storageTimeoutMs
    authMode: authMode
    authApiKeys: authApiKeys
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
    corsAllowedOrigins: corsAllowedOrigins
  }
  // The app's first start reads its package and host storage through the identity, so the role
  // assignments go in first; and the component it reports to is passed by name only.
  dependsOn: [
    monitoring
    rbac
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
