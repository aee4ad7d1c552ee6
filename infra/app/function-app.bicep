// The mock's function app on a Flex Consumption plan, and every app setting it runs with.
//
// Flex Consumption takes its runtime and deployment source from functionAppConfig, and rejects or
// ignores the older app settings for them (FUNCTIONS_WORKER_RUNTIME, FUNCTIONS_EXTENSION_VERSION,
// WEBSITE_NODE_DEFAULT_VERSION, WEBSITE_RUN_FROM_PACKAGE...), so none of those appear below. Every
// siteConfig and functionAppConfig property this file sets carries the source that says Flex takes it;
// scripts/infra-check.js allows no other siteConfig property.

@description('Name of the function app; also its default host name prefix.')
param name string

@description('Name of the Flex Consumption plan. Flex allows one app per plan, so the plan belongs to this module.')
param planName string

@description('Azure region for the plan and the app.')
param location string

@description('Tags applied to the plan and the app (the app also gets azd-service-name).')
param tags resourceTags

@description('azd service name (azure.yaml services key) that azd deploy looks the app up by.')
param serviceName string = 'api'

@description('Resource ID of the user-assigned managed identity the app runs as.')
param identityResourceId string

@description('Client ID of that identity, which every identity-based connection setting names.')
param identityClientId string

@description('Blob endpoint of the storage account (https://<account>.blob.core.windows.net/).')
param blobEndpoint string

@description('Table endpoint of the storage account.')
param tableEndpoint string

@description('Blob container (in that account) that holds the deployment package.')
param deploymentContainerName string

@description('Name of the Application Insights component the app reports to.')
param applicationInsightsName string

@description('Memory per instance in MB. 2048 is the Flex default; the app is I/O bound, so more rarely helps.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int

@description('Upper bound on instances the app scales out to. Flex accepts 40-1000.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int

@description('Table that stores the assignments (ASSIGNMENTS_TABLE).')
param assignmentsTableName string

@description('Per-request storage timeout in milliseconds (STORAGE_TIMEOUT_MS).')
@minValue(1)
@maxValue(60000)
param storageTimeoutMs int

@description('How callers are authenticated (AUTH_MODE): apikey, jwt, or dev (accepts any bearer token).')
@allowed([
  'apikey'
  'jwt'
  'dev'
])
param authMode string

@description('Value of AUTH_API_KEYS: a @Microsoft.KeyVault(SecretUri=...) reference when the Key Vault is on, else the keys themselves.')
@secure()
param authApiKeysSetting string = ''

@description('JWKS document that signs accepted tokens in jwt mode (AUTH_JWKS_URI).')
param authJwksUri string

@description('Token issuer accepted in jwt mode (AUTH_ISSUER).')
param authIssuer string

@description('Token audience accepted in jwt mode (AUTH_AUDIENCE); empty lets the app apply its own rule.')
param authAudience string

@description('Whether callers may steer mock behaviour per request (MOCK_CONTROLS).')
@allowed([
  'on'
  'off'
])
param mockControls string

@description('Retry-After seconds on simulated throttling (MOCK_RETRY_AFTER_SECONDS).')
@minValue(0)
@maxValue(3600)
param mockRetryAfterSeconds int

@description('Ceiling on any simulated latency, in milliseconds (MOCK_MAX_LATENCY_MS).')
@minValue(0)
@maxValue(220000)
param mockMaxLatencyMs int

@description('Share of requests that fail on purpose, as a decimal string between 0 and 1 (MOCK_FAILURE_RATE).')
param mockFailureRate string

@description('Comma-separated HTTP statuses simulated failures use (MOCK_FAILURE_STATUSES).')
param mockFailureStatuses string

@description('Simulated latency as "min-max" milliseconds; empty for none (MOCK_LATENCY_MS).')
param mockLatencyMs string

@description('Seed that makes simulated failures and latency repeatable; empty for random (MOCK_SEED).')
param mockSeed string

@description('Simulated rate limit: off, intune, or "<requests>/<seconds>" (MOCK_RATE_LIMIT).')
param mockRateLimit string

@description('Whether the mock\'s admin endpoints are on (MOCK_ADMIN).')
@allowed([
  'on'
  'off'
])
param mockAdmin string

@description('Value of MOCK_ADMIN_KEY: a @Microsoft.KeyVault(SecretUri=...) reference, or empty when no admin key is set.')
@secure()
param mockAdminKeySetting string = ''

@description('Whether requests are recorded in the request journal (MOCK_JOURNAL): on or off.')
param mockJournal string

@description('How many journal entries are kept, newest first (MOCK_JOURNAL_MAX_ENTRIES).')
param mockJournalMaxEntries string

@description('Answer a retry that comes before Retry-After elapsed with 429 (MOCK_ENFORCE_RETRY_AFTER): on or off.')
param mockEnforceRetryAfter string

@description('Path of a JSON seed file loaded at start-up (MOCK_SEED_FILE); empty for none.')
param mockSeedFile string

@description('Which Graph behaviour the mock follows where Graph\'s documentation and Intune differ (MOCK_PROFILE).')
@allowed([
  'documented'
  'intune'
])
param mockProfile string

@description('Whether assignments need a configuration the tenant has, else 404 (MOCK_REQUIRE_CONFIGURATION): on, off, or empty to follow MOCK_PROFILE.')
@allowed([
  ''
  'on'
  'off'
])
param mockRequireConfiguration string

@description('The tenant id (a GUID) of requests that name no tenant, and of rows written before tenants existed (DEFAULT_TENANT_ID).')
param defaultTenantId string

@description('Comma-separated browser origins allowed by CORS; empty allows none (CORS_ALLOWED_ORIGINS).')
param corsAllowedOrigins string

@description('Node.js major version the Functions host runs the app on (functionAppConfig.runtime.version).')
@allowed([
  '22'
  '24'
])
param nodeVersion string

@description('Resource ID of the identity the platform resolves @Microsoft.KeyVault(...) app settings with; empty when no setting is a Key Vault reference.')
param keyVaultReferenceIdentity string = ''

@description('Tag set applied to every resource.')
type resourceTags = { *: string }

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

// Every app setting, in one place. Names on the left are what the code reads.
var appSettings = {
  // Functions host storage, by managed identity (no AzureWebJobsStorage connection string). Blob is
  // the host's keys and locks; table its diagnostic events. No queue service: the app has only HTTP
  // triggers, and queues serve queue/blob triggers and Durable Functions, none of which it uses.
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  AzureWebJobsStorage__blobServiceUri: blobEndpoint
  AzureWebJobsStorage__tableServiceUri: tableEndpoint

  // Telemetry: the connection string locates the component; the authentication string makes the
  // host sign in with the managed identity, which a component with local auth disabled requires.
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsights.properties.ConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'

  // Where assignments are kept: the table endpoint plus the identity, never an account key.
  ASSIGNMENTS_STORAGE__tableServiceUri: tableEndpoint
  ASSIGNMENTS_STORAGE__credential: 'managedidentity'
  ASSIGNMENTS_STORAGE__clientId: identityClientId
  ASSIGNMENTS_TABLE: assignmentsTableName
  STORAGE_TIMEOUT_MS: string(storageTimeoutMs)

  // Caller authentication. All five are always set; the app reads the ones its mode needs.
  // AUTH_API_KEYS is a Key Vault reference when the vault is on, resolved by the platform.
  AUTH_MODE: authMode
  AUTH_API_KEYS: authApiKeysSetting
  AUTH_JWKS_URI: authJwksUri
  AUTH_ISSUER: authIssuer
  AUTH_AUDIENCE: authAudience
  DEFAULT_TENANT_ID: defaultTenantId

  // Simulated Graph behaviour (throttling, failures, latency).
  MOCK_CONTROLS: mockControls
  MOCK_RETRY_AFTER_SECONDS: string(mockRetryAfterSeconds)
  MOCK_MAX_LATENCY_MS: string(mockMaxLatencyMs)
  MOCK_FAILURE_RATE: mockFailureRate
  MOCK_FAILURE_STATUSES: mockFailureStatuses
  MOCK_LATENCY_MS: mockLatencyMs
  MOCK_SEED: mockSeed
  MOCK_RATE_LIMIT: mockRateLimit

  // Automation controls (admin endpoints) and the behaviour profile. MOCK_ADMIN_KEY is only ever a
  // Key Vault reference or empty (main.bicep refuses a key without the vault).
  MOCK_ADMIN: mockAdmin
  MOCK_ADMIN_KEY: mockAdminKeySetting
  MOCK_PROFILE: mockProfile
  MOCK_REQUIRE_CONFIGURATION: mockRequireConfiguration
  MOCK_JOURNAL: mockJournal
  MOCK_JOURNAL_MAX_ENTRIES: mockJournalMaxEntries
  MOCK_ENFORCE_RETRY_AFTER: mockEnforceRetryAfter
  MOCK_SEED_FILE: mockSeedFile

  // CORS is answered by the app itself; the platform CORS setting stays unset so it does not
  // replace the app's headers.
  CORS_ALLOWED_ORIGINS: corsAllowedOrigins
}

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
    // Flex Consumption is Linux only.
    reserved: true
  }
}

resource functionApp 'Microsoft.Web/sites@2025-03-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityResourceId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Key Vault references resolve with this identity rather than a system-assigned one, which the
    // app does not have (App Service docs, "Use Key Vault references", access vaults with a
    // user-assigned identity).
    keyVaultReferenceIdentity: empty(keyVaultReferenceIdentity) ? null : keyVaultReferenceIdentity
    siteConfig: {
      // Checked 2026-12-02. Flex Consumption rejects a site whose siteConfig names a property it does
      // not take, with BadRequest 51021 listing them: FtpsState, Use32BitWorkerProcess,
      // PreWarmedInstanceCount, NetFrameworkVersion, FunctionsRuntimeScaleMonitoringEnabled
      // (Azure/azure-cli#31414, microsoft/azure-pipelines-tasks#21032) and FunctionAppScaleLimit
      // (microsoft/azure-pipelines-tasks#22254); runtime and scale moved to functionAppConfig
      // (Functions app settings reference, "Flex Consumption plan deprecations"). So no ftpsState:
      // FTP is off through the ftp basicPublishingCredentialsPolicies below.
      //
      // minTlsVersion, scmMinTlsVersion, http20Enabled: App Service SiteConfig properties that none
      // of those rejections name. The Flex samples set no siteConfig at all, so these three rest on
      // that absence alone; should a stamp ever reject one, drop it here and from ALLOWED_SITE_CONFIG
      // in scripts/infra-check.js.
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      http20Enabled: true
      // No healthCheckPath: platform health check is not available on Flex Consumption, and a
      // once-a-minute probe would keep an instance warm, which is the cost scale-to-zero avoids.
      // No cors: the app answers CORS itself (CORS_ALLOWED_ORIGINS).
    }
    // The Flex-only section, required on Flex ("The FunctionAppConfig section was not specified ...",
    // Azure-Samples/azure-functions-flex-consumption-samples#7). Its three blocks are the ones the
    // official samples set (that repository's IaC/bicep, and Azure-Samples/
    // functions-quickstart-typescript-azd infra/core/host/functions-flexconsumption.bicep).
    functionAppConfig: {
      runtime: {
        // What a region offers: `az functionapp list-flexconsumption-runtimes --location <region>
        // --runtime node`. 24 is GA on Flex since the April 2026 rollout (checked 2026-12-02;
        // Azure/azure-functions-core-tools#4867 marked it GA and added its FC1 stack entry);
        // main.bicep's nodeVersion parameter keeps 22 one setting away.
        name: 'node'
        version: nodeVersion
      }
      deployment: {
        // The package container, read with the user-assigned identity (no storage key).
        storage: {
          type: 'blobContainer'
          value: '${blobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityResourceId
          }
        }
      }
      scaleAndConcurrency: {
        // 512, 2048 or 4096 MB, and 40-1000 instances (the FC1 stack entries' instanceMemoryMB and
        // maximumInstanceCount ranges, Azure/azure-functions-core-tools StaticResources/stacks.json);
        // some stamps still refuse 512 (Azure/azure-rest-api-specs#40898), so 2048 stays the default. maximumInstanceCount limits scale-out, but HTTP bursts can
        // briefly exceed it (Azure/azure-functions-host#11790), so it is not a hard cost cap.
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
    }
  }
}

resource settings 'Microsoft.Web/sites/config@2025-03-01' = {
  parent: functionApp
  name: 'appsettings'
  properties: appSettings
}

// Deployments use Entra ID (azd signs in as you); publishing passwords would be a second way in.
resource ftpBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: functionApp
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: functionApp
  name: 'scm'
  properties: {
    allow: false
  }
}

@description('Name of the function app.')
output name string = functionApp.name

@description('Default host name of the function app (no scheme).')
output defaultHostName string = functionApp.properties.defaultHostName

@description('Base URL of the API: https://<defaultHostName>.')
output uri string = 'https://${functionApp.properties.defaultHostName}'
