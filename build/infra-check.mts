/**
 * Compiles and lints every Bicep file under infra/, then checks the compiled main template for the
 * properties this deployment depends on: Flex Consumption with only the siteConfig it takes (no
 * ftpsState), FC1 regions, GA Node, identity-based storage, exactly the roles each principal needs under
 * stable names, secrets as Key Vault references and nowhere in the template, a Log Analytics cap.
 * A self-test then breaks a copy of the template once per rule and requires the rule to catch it.
 *
 *   node scripts/infra-check.js            use `bicep` on PATH, else `az bicep`, else the pinned package
 *   node scripts/infra-check.js --pinned   always use the pinned package (what CI should compare against)
 *
 * The pinned compiler is the NuGet package Azure.Bicep.CommandLine.<rid>, restored with the .NET SDK
 * into .tools/bicep/ (git-ignored) on first use and reused afterwards. BICEP_BIN=<path> overrides all.
 *
 * Exit code 0 only when every file builds and lints with no error and no warning, and every template
 * check holds. Uses Node built-ins only; works from any working directory. Node runs this file as it
 * is (type stripping).
 */
import childProcess from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Compiled ARM template JSON. The checks walk it by shape and say in their names what they expect;
 * typing every ARM resource kind the template may hold would be a schema of its own.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

interface Check {
  name: string;
  ok: boolean;
  detail?: string;
}

interface RunResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  error?: Error;
  stdout: string;
  stderr: string;
}

interface Compiler {
  description: string;
  version: string;
  build(file: string): RunResult;
  lint(file: string): RunResult;
  /** For the pinned package: whether an earlier restore was reused. */
  reused?: boolean;
}

const REPO_ROOT = path.resolve(import.meta.dirname, '..');
const INFRA_DIR = path.join(REPO_ROOT, 'infra');
const MAIN_BICEP = path.join(INFRA_DIR, 'main.bicep');
const MAIN_PARAMETERS = path.join(INFRA_DIR, 'main.parameters.json');
const AZURE_YAML = path.join(REPO_ROOT, 'azure.yaml');
const TOOLS_DIR = path.join(REPO_ROOT, '.tools', 'bicep');

const BICEP_PACKAGE_PREFIX = 'Azure.Bicep.CommandLine';
const BICEP_VERSION = '0.49.2';

const RESTORE_TIMEOUT_MS = 170_000;
const COMPILE_TIMEOUT_MS = 120_000;

/** App settings the code reads; the compiled template must set every one of them. */
const REQUIRED_APP_SETTINGS = [
  'AzureWebJobsStorage__credential',
  'AzureWebJobsStorage__clientId',
  'AzureWebJobsStorage__blobServiceUri',
  'AzureWebJobsStorage__tableServiceUri',
  'APPLICATIONINSIGHTS_CONNECTION_STRING',
  'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
  'ASSIGNMENTS_STORAGE__tableServiceUri',
  'ASSIGNMENTS_STORAGE__credential',
  'ASSIGNMENTS_STORAGE__clientId',
  'ASSIGNMENTS_TABLE',
  'STORAGE_TIMEOUT_MS',
  'AUTH_MODE',
  'AUTH_API_KEYS',
  'AUTH_JWKS_URI',
  'AUTH_ISSUER',
  'AUTH_AUDIENCE',
  'MOCK_CONTROLS',
  'MOCK_RETRY_AFTER_SECONDS',
  'MOCK_MAX_LATENCY_MS',
  'MOCK_FAILURE_RATE',
  'MOCK_FAILURE_STATUSES',
  'MOCK_LATENCY_MS',
  'MOCK_SEED',
  'MOCK_RATE_LIMIT',
  'MOCK_ADMIN',
  'MOCK_ADMIN_KEY',
  'MOCK_JOURNAL',
  'MOCK_JOURNAL_MAX_ENTRIES',
  'MOCK_ENFORCE_RETRY_AFTER',
  'MOCK_SEED_FILE',
  'MOCK_PROFILE',
  'MOCK_REQUIRE_CONFIGURATION',
  'CORS_ALLOWED_ORIGINS',
];

/** Settings Flex Consumption rejects or that would reintroduce account keys. */
const FORBIDDEN_APP_SETTINGS = [
  'FUNCTIONS_WORKER_RUNTIME',
  'FUNCTIONS_EXTENSION_VERSION',
  'WEBSITE_NODE_DEFAULT_VERSION',
  'WEBSITE_RUN_FROM_PACKAGE',
  'WEBSITE_CONTENTAZUREFILECONNECTIONSTRING',
  'WEBSITE_CONTENTSHARE',
  'AzureWebJobsStorage',
  'ASSIGNMENTS_STORAGE',
];

/** Outputs azd and the README rely on. */
const REQUIRED_OUTPUTS = [
  'AZURE_LOCATION',
  'AZURE_TENANT_ID',
  'AZURE_RESOURCE_GROUP',
  'SERVICE_API_NAME',
  'SERVICE_API_URI',
  'API_BASE_URL',
  'AZURE_FUNCTION_APP_NAME',
  'AZURE_STORAGE_ACCOUNT_NAME',
  'ASSIGNMENTS_TABLE',
  'AZURE_KEY_VAULT_NAME',
];

class CheckError extends Error {
  override name = 'CheckError';
}

function rel(file: string): string {
  return path.relative(REPO_ROOT, file) || '.';
}

function run(command: string, args: string[], options: { timeout?: number; cwd?: string; env?: NodeJS.ProcessEnv } = {}): RunResult {
  const result = childProcess.spawnSync(command, args, {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: options.timeout ?? COMPILE_TIMEOUT_MS,
    cwd: options.cwd ?? REPO_ROOT,
    env: { ...process.env, ...options.env },
    windowsHide: true,
  });
  return {
    status: result.status,
    signal: result.signal,
    error: result.error,
    stdout: result.stdout ?? '',
    stderr: result.stderr ?? '',
  };
}

/** Absolute path of an executable on PATH, or undefined. */
function onPath(name: string): string | undefined {
  const extensions = process.platform === 'win32' ? (process.env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';') : [''];
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    for (const ext of extensions) {
      const candidate = path.join(dir, name + ext);
      try {
        fs.accessSync(candidate, fs.constants.X_OK);
        if (fs.statSync(candidate).isFile()) return candidate;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

function versionOf(text: string): string {
  const match = /(\d+\.\d+\.\d+)/.exec(text);
  return match?.[1] ?? 'unknown';
}

// ---------------------------------------------------------------------------------------------
// Finding a compiler
// ---------------------------------------------------------------------------------------------

function standaloneCompiler(binary: string, description: string): Compiler | undefined {
  const probe = run(binary, ['--version'], { timeout: 60_000 });
  if (probe.status !== 0) return undefined;
  return {
    description,
    version: versionOf(probe.stdout + probe.stderr),
    build: (file: string) => run(binary, ['build', file, '--stdout']),
    lint: (file: string) => run(binary, ['lint', file]),
  };
}

function azCompiler(az: string): Compiler | undefined {
  // `az bicep` installs its own copy on first use, which needs the internet; if that fails we fall
  // through to the pinned package instead of failing the check.
  const probe = run(az, ['bicep', 'version', '--only-show-errors'], { timeout: 90_000 });
  if (probe.status !== 0) return undefined;
  return {
    description: `az bicep (${az})`,
    version: versionOf(probe.stdout + probe.stderr),
    build: (file: string) => run(az, ['bicep', 'build', '--file', file, '--stdout']),
    lint: (file: string) => run(az, ['bicep', 'lint', '--file', file]),
  };
}

/** NuGet runtime identifier of the Bicep CLI package for this machine. */
function bicepRid(): string {
  const family = ({ linux: 'linux', darwin: 'osx', win32: 'win' } as Record<string, string>)[process.platform];
  const arch = ({ x64: 'x64', arm64: 'arm64' } as Record<string, string>)[process.arch];
  if (!family || !arch) throw new CheckError(`no Bicep CLI package for ${process.platform}/${process.arch}`);
  return `${family}-${arch}`;
}

function findFile(dir: string, name: string): string | undefined {
  if (!fs.existsSync(dir)) return undefined;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      const found = findFile(full, name);
      if (found) return found;
    } else if (entry.name === name) {
      return full;
    }
  }
  return undefined;
}

function pinnedCompiler(): Compiler {
  const rid = bicepRid();
  const packageId = `${BICEP_PACKAGE_PREFIX}.${rid}`;
  const packagesDir = path.join(TOOLS_DIR, 'packages');
  const packageDir = path.join(packagesDir, packageId.toLowerCase(), BICEP_VERSION);
  const binaryName = process.platform === 'win32' ? 'bicep.exe' : 'bicep';
  const description = `pinned ${packageId} ${BICEP_VERSION} (${rel(packageDir)})`;

  let binary = findFile(path.join(packageDir, 'tools'), binaryName) ?? findFile(packageDir, binaryName);
  if (binary) {
    fs.chmodSync(binary, 0o755);
    const compiler = standaloneCompiler(binary, description);
    if (compiler && compiler.version === BICEP_VERSION) return { ...compiler, reused: true };
    // A broken or partial earlier restore: start again.
    fs.rmSync(packageDir, { recursive: true, force: true });
  }

  const dotnet = onPath('dotnet');
  if (!dotnet) {
    throw new CheckError(
      'no Bicep compiler found: install `bicep` or the Azure CLI, or the .NET SDK so this script can restore ' +
        `${packageId} ${BICEP_VERSION} from NuGet`,
    );
  }

  process.stdout.write(`infra-check: restoring ${packageId} ${BICEP_VERSION} from NuGet into ${rel(packagesDir)} ...\n`);
  const started = Date.now();
  // The throwaway project lives outside the repository so no Directory.Build.props or global.json
  // of this or any parent folder can change how it restores.
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'infra-check-restore-'));
  try {
    const sdkMajor = Number(versionOf(run(dotnet, ['--version'], { cwd: scratch }).stdout).split('.')[0]);
    const targetFramework = Number.isInteger(sdkMajor) && sdkMajor >= 5 ? `net${sdkMajor}.0` : 'net8.0';
    const project = path.join(scratch, 'restore-bicep.csproj');
    fs.writeFileSync(
      project,
      [
        '<Project Sdk="Microsoft.NET.Sdk">',
        '  <PropertyGroup>',
        `    <TargetFramework>${targetFramework}</TargetFramework>`,
        // Nothing is built: skip the framework reference packs a restore would otherwise fetch.
        '    <DisableImplicitFrameworkReferences>true</DisableImplicitFrameworkReferences>',
        '  </PropertyGroup>',
        '  <ItemGroup>',
        `    <PackageDownload Include="${packageId}" Version="[${BICEP_VERSION}]" />`,
        '  </ItemGroup>',
        '</Project>',
        '',
      ].join('\n'),
    );
    fs.mkdirSync(packagesDir, { recursive: true });
    const restore = run(dotnet, ['restore', project, '--packages', packagesDir, '--nologo', '--verbosity', 'quiet'], {
      cwd: scratch,
      timeout: RESTORE_TIMEOUT_MS,
      env: { DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1', DOTNET_SKIP_FIRST_TIME_EXPERIENCE: '1' },
    });
    if (restore.status !== 0) {
      const why = restore.error ? String(restore.error.message) : (restore.stdout + restore.stderr).trim();
      throw new CheckError(`dotnet restore of ${packageId} ${BICEP_VERSION} failed:\n${why}`);
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }

  binary = findFile(path.join(packageDir, 'tools'), binaryName) ?? findFile(packageDir, binaryName);
  if (!binary) throw new CheckError(`restored ${packageId} ${BICEP_VERSION} but found no ${binaryName} in ${rel(packageDir)}`);
  // NuGet extracts without the executable bit.
  fs.chmodSync(binary, 0o755);
  // The compressed package is a second copy of the ~120 MB binary; only the extracted files are used.
  for (const entry of fs.readdirSync(packageDir)) {
    if (entry.endsWith('.nupkg')) fs.rmSync(path.join(packageDir, entry), { force: true });
  }
  const compiler = standaloneCompiler(binary, description);
  if (!compiler) throw new CheckError(`${rel(binary)} does not run (\`${binaryName} --version\` failed)`);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  process.stdout.write(`infra-check: restored in ${seconds}s\n`);
  return { ...compiler, reused: false };
}

function findCompiler({ pinnedOnly }: { pinnedOnly: boolean }): Compiler {
  if (process.env.BICEP_BIN) {
    const compiler = standaloneCompiler(process.env.BICEP_BIN, `BICEP_BIN (${process.env.BICEP_BIN})`);
    if (!compiler) throw new CheckError(`BICEP_BIN=${process.env.BICEP_BIN} does not run`);
    return compiler;
  }
  if (!pinnedOnly) {
    const bicep = onPath('bicep');
    const fromPath = bicep && standaloneCompiler(bicep, `bicep on PATH (${bicep})`);
    if (fromPath) return fromPath;
    const az = onPath('az');
    const fromAz = az && azCompiler(az);
    if (fromAz) return fromAz;
  }
  return pinnedCompiler();
}

// ---------------------------------------------------------------------------------------------
// Build and lint
// ---------------------------------------------------------------------------------------------

function listBicepFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...listBicepFiles(full));
    else if (entry.name.endsWith('.bicep')) files.push(full);
  }
  return files.sort();
}

const DIAGNOSTIC = /^(?<where>.*\(\d+,\d+\))\s*:\s*(?<level>Error|Warning|Info)\s+(?<code>[^:\s]+)\s*:\s*(?<message>.*)$/;
// Notices `az` prints about its own Bicep install, not about the template.
const AZ_NOTICE = /^WARNING: (A new Bicep release is available|Bicep CLI)/i;

/** Problems (errors and warnings) in a compiler run's output, one string each. */
function diagnosticsOf(result: RunResult, text: string): string[] {
  const problems: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || AZ_NOTICE.test(line)) continue;
    const match = DIAGNOSTIC.exec(line);
    if (match?.groups) {
      const { level, code, message, where } = match.groups as Record<'level' | 'code' | 'message' | 'where', string>;
      if (level !== 'Info') problems.push(`${level} ${code}: ${message} ${where.replace(REPO_ROOT + path.sep, '')}`);
    } else if (/\b(error|warning)\b/i.test(line)) {
      problems.push(line);
    }
  }
  if (result.error) problems.push(`Error: ${result.error.message}`);
  else if (result.status !== 0) {
    problems.push(`Error: compiler exited with ${result.status ?? result.signal}${problems.length ? '' : `: ${text.trim()}`}`);
  }
  return problems;
}

function checkFile(compiler: Compiler, file: string): { file: string; problems: string[]; json: string | undefined } {
  const build = compiler.build(file);
  const lint = compiler.lint(file);
  // The linter also runs inside build, so the same finding usually appears twice.
  const problems = [...new Set([...diagnosticsOf(build, build.stderr), ...diagnosticsOf(lint, lint.stdout + lint.stderr)])];
  return { file, problems, json: build.status === 0 ? build.stdout : undefined };
}

// ---------------------------------------------------------------------------------------------
// Template checks
//
// Each check looks at the compiled main template (nested module templates included) and returns
// { name, ok, detail }. MUTATIONS below breaks a copy of the template once per rule and requires the
// matching check to fail, so a check that cannot fail is caught by every run.
// ---------------------------------------------------------------------------------------------

/** Built-in role definition IDs the checks name (the same in every tenant). */
const ROLE = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
  storageBlobDataReader: '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1',
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb',
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6',
  websiteContributor: 'de139f84-1756-47ae-9be6-808fbbe84772',
  reader: 'acdd72a7-3385-48ef-bd42-f606fba81ae7',
};

/**
 * Storage queue roles. The app is HTTP-only and the host needs queues only for queue/blob triggers
 * and Durable Functions, so none may appear. If a future trigger needs one, give the reason here
 * (QUEUE_ROLE_JUSTIFICATION) and the check lets it through.
 */
const QUEUE_ROLES = {
  'Storage Queue Data Contributor': '974c5e8b-45b9-4653-ba55-5f855dd0fb88',
  'Storage Queue Data Reader': '19e7f33d-fd9c-4a5d-a7f2-c8cb5ff3e9e4',
  'Storage Queue Data Message Processor': '8a0f0c08-91a1-4084-bc3d-661d67233fed',
  'Storage Queue Data Message Sender': 'c6a89b2d-59bc-44d0-9896-0f6e12d7b80a',
};
const QUEUE_ROLE_JUSTIFICATION: string | null = null;

/** Exactly the data roles the app's identity holds, each for a stated use (app/rbac.bicep). */
const APP_IDENTITY_ROLES = [
  ROLE.storageBlobDataOwner,
  ROLE.storageTableDataContributor,
  ROLE.monitoringMetricsPublisher,
  ROLE.keyVaultSecretsUser,
];
/** What `azd deploy` needs (app/deployer-rbac.bicep); anything else for the deployer sits behind deployerDataAccess. */
const DEPLOYER_ROLES = [ROLE.websiteContributor, ROLE.reader];
const DEPLOYER_DEBUG_ROLES = [ROLE.storageBlobDataReader, ROLE.storageTableDataContributor];

/**
 * The only siteConfig properties allowed, each with the reason Flex takes it (see the comments in
 * infra/app/function-app.bicep). ftpsState and friends are rejected by Flex with BadRequest 51021.
 */
const ALLOWED_SITE_CONFIG = ['minTlsVersion', 'scmMinTlsVersion', 'http20Enabled'];
const REJECTED_SITE_CONFIG = [
  'ftpsState',
  'use32BitWorkerProcess',
  'preWarmedInstanceCount',
  'netFrameworkVersion',
  'functionsRuntimeScaleMonitoringEnabled',
  'functionAppScaleLimit',
];

/** Node versions GA on Flex Consumption (checked 2026-12-02, see function-app.bicep) and the default. */
const NODE_GA_VERSIONS = ['22', '24'];
const NODE_DEFAULT_VERSION = '24';

/** App settings that hold secrets: Key Vault references when the vault is on. */
const SECRET_SETTINGS = { AUTH_API_KEYS: 'authApiKeysReference', MOCK_ADMIN_KEY: 'mockAdminKeyReference' };

/** Secure parameters of main.bicep and the azd environment variable each must be fed from. */
const SECURE_PARAMETER_SOURCES = { authApiKeys: 'AUTH_API_KEYS', mockAdminKey: 'MOCK_ADMIN_KEY' };

/** A small Log Analytics daily cap: more than nothing, at most this many GB a day by default. */
const MAX_DEFAULT_DAILY_CAP_GB = 1;

/** Every template in the tree: the main one and each module's nested template, with its deployment. */
function templatesIn(template: Json, deployment: Json = undefined): Array<{ template: Json; deployment: Json }> {
  const found: Array<{ template: Json; deployment: Json }> = [{ template, deployment }];
  for (const resource of resourceList(template)) {
    if (isType(resource, 'Microsoft.Resources/deployments') && resource.properties?.template) {
      found.push(...templatesIn(resource.properties.template, resource));
    }
  }
  return found;
}

/** A template's resources, whether an array or (languageVersion 2.0) an object of symbolic names. */
function resourceList(template: Json): Json[] {
  const resources = template?.resources ?? [];
  return Array.isArray(resources) ? resources : Object.values(resources);
}

function isType(resource: Json, type: string): boolean {
  return typeof resource?.type === 'string' && resource.type.toLowerCase() === type.toLowerCase() && !resource.existing;
}

/** [resource, template] for every resource of a type anywhere in the tree. */
function resourcesOfType(template: Json, type: string): Array<[Json, Json]> {
  return templatesIn(template).flatMap(({ template: t }) =>
    resourceList(t)
      .filter((r) => isType(r, type))
      .map((r): [Json, Json] => [r, t]),
  );
}

/** The expression inside "[...]", or undefined for a literal. */
function expressionOf(value: unknown): string | undefined {
  return typeof value === 'string' && value.startsWith('[') && value.endsWith(']') ? value.slice(1, -1) : undefined;
}

/** Splits "f(a, g(b, c), 'x, y')" into ['a', 'g(b, c)', "'x, y'"]: the top-level arguments of a call. */
function callArguments(expression: string | undefined, functionName: string): string[] | undefined {
  const prefix = `${functionName}(`;
  if (!expression?.startsWith(prefix) || !expression.endsWith(')')) return undefined;
  const inner = expression.slice(prefix.length, -1);
  const args: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i];
    if (quoted) {
      if (c === "'") quoted = inner[i + 1] === "'" ? (i++, true) : false;
    } else if (c === "'") quoted = true;
    else if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (c === ',' && depth === 0) {
      args.push(inner.slice(start, i).trim());
      start = i + 1;
    }
  }
  args.push(inner.slice(start).trim());
  return args;
}

/** Role definition GUIDs an expression can stand for, following variables('x'), .y and [copyIndex()]. */
function resolveRoleIds(expression: string | undefined, template: Json): string[] {
  const guid = /^'?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})'?$/i.exec(expression ?? '');
  if (guid) return [guid[1]!.toLowerCase()];
  const variable = /^variables\('([^']+)'\)((?:\.\w+)*)(\[copyIndex\(\)\])?$/.exec(expression ?? '');
  if (!variable) return [];
  let value: Json = template.variables?.[variable[1]!];
  for (const key of variable[2]!.split('.').filter(Boolean)) value = value?.[key];
  const values = Array.isArray(value) ? value : [value];
  return values.flatMap((v: unknown) => (typeof v === 'string' ? resolveRoleIds(expressionOf(v) ?? v, template) : []));
}

/** Every role assignment with the role IDs it grants, its principal expression and its name parts. */
function roleAssignments(template: Json) {
  return resourcesOfType(template, 'Microsoft.Authorization/roleAssignments').map(([resource, t]) => {
    const roleArgs = callArguments(expressionOf(resource.properties?.roleDefinitionId), 'subscriptionResourceId');
    const roleExpression = roleArgs?.[1];
    return {
      resource,
      template: t,
      principal: expressionOf(resource.properties?.principalId) ?? resource.properties?.principalId,
      roleExpression,
      roleIds: resolveRoleIds(roleExpression, t),
      nameArgs: callArguments(expressionOf(resource.name), 'guid'),
      scope: expressionOf(resource.scope) ?? 'resourceGroup().id',
    };
  });
}

/**
 * A module parameter as { condition, whenOn, whenOff } expressions. Bicep writes a conditional value as
 * one string, if(c, createObject('value', a), createObject('value', b)), and a plain one as { value }.
 */
function moduleParameter(module: Json, name: string): { condition?: string; whenOn?: string; whenOff?: string } {
  const entry = module?.properties?.parameters?.[name];
  const whole = typeof entry === 'string' ? expressionOf(entry) : undefined;
  if (whole === undefined) {
    const value = expressionOf(entry?.value) ?? (entry?.value === undefined ? undefined : JSON.stringify(entry.value));
    return { condition: undefined, whenOn: value, whenOff: value };
  }
  const [condition, on, off] = callArguments(whole, 'if') ?? [];
  const unwrap = (branch: string | undefined) => callArguments(branch, 'createObject')?.[1];
  return { condition, whenOn: unwrap(on), whenOff: unwrap(off) };
}

function allParameterNames(expression: string | undefined): string[] {
  return [...(expression ?? '').matchAll(/parameters\('([^']+)'\)/g)].map((m) => m[1]!);
}

function templateChecks(template: Json): Check[] {
  const text = JSON.stringify(template);
  const checks: Check[] = [];
  const check = (name: string, ok: unknown, detail = '') => checks.push({ name, ok: Boolean(ok), detail });

  const plans = resourcesOfType(template, 'Microsoft.Web/serverfarms').map(([r]) => r);
  check(
    'Microsoft.Web/serverFarms is Flex Consumption (sku FC1, tier FlexConsumption, Linux)',
    plans.length === 1 &&
      plans[0].sku?.name === 'FC1' &&
      plans[0].sku?.tier === 'FlexConsumption' &&
      plans[0].properties?.reserved === true,
    `found ${plans.length} plan(s): ${JSON.stringify(plans.map((p) => p.sku))}`,
  );

  const siteEntries = resourcesOfType(template, 'Microsoft.Web/sites');
  const [site, siteTemplate] = siteEntries[0] ?? [];
  const config = site?.properties?.functionAppConfig;
  check(
    'one function app (kind functionapp,linux)',
    siteEntries.length === 1 && site.kind === 'functionapp,linux',
    `found ${siteEntries.length}`,
  );

  const runtimeVersion = config?.runtime?.version;
  const versionParameter = allParameterNames(expressionOf(runtimeVersion))[0];
  const declaredVersions = versionParameter ? siteTemplate?.parameters?.[versionParameter]?.allowedValues : [runtimeVersion];
  const mainNode = template.parameters?.nodeVersion;
  check(
    `functionAppConfig.runtime is node, only GA versions (${NODE_GA_VERSIONS.join(', ')}), default ${NODE_DEFAULT_VERSION}`,
    config?.runtime?.name === 'node' &&
      Array.isArray(declaredVersions) &&
      declaredVersions.length > 0 &&
      declaredVersions.every((v) => NODE_GA_VERSIONS.includes(String(v))) &&
      mainNode?.defaultValue === NODE_DEFAULT_VERSION &&
      (mainNode.allowedValues ?? []).every((v: unknown) => NODE_GA_VERSIONS.includes(String(v))),
    `runtime ${JSON.stringify(config?.runtime)}, allowed ${JSON.stringify(declaredVersions)}, main default ${mainNode?.defaultValue}`,
  );
  check(
    'deployment package is a blob container read with the user-assigned identity',
    config?.deployment?.storage?.type === 'blobContainer' && config?.deployment?.storage?.authentication?.type === 'UserAssignedIdentity',
    JSON.stringify(config?.deployment?.storage?.authentication),
  );
  check(
    'scaleAndConcurrency sets instanceMemoryMB and maximumInstanceCount',
    config?.scaleAndConcurrency?.instanceMemoryMB !== undefined && config?.scaleAndConcurrency?.maximumInstanceCount !== undefined,
  );
  const siteConfig = site?.properties?.siteConfig ?? {};
  check('function app is HTTPS only, TLS 1.2', site?.properties?.httpsOnly === true && siteConfig.minTlsVersion === '1.2');
  check('no siteConfig.ftpsState (Flex rejects it: BadRequest 51021)', site !== undefined && !('ftpsState' in siteConfig));
  const rejected = REJECTED_SITE_CONFIG.filter((p) => p in siteConfig);
  const unknown = Object.keys(siteConfig).filter((p) => !ALLOWED_SITE_CONFIG.includes(p));
  check(
    `siteConfig sets only properties Flex takes (${ALLOWED_SITE_CONFIG.join(', ')})`,
    site !== undefined && rejected.length === 0 && unknown.length === 0,
    [...new Set([...rejected, ...unknown])].join(', '),
  );
  const ftpPolicy = resourcesOfType(template, 'Microsoft.Web/sites/basicPublishingCredentialsPolicies').map(([r]) => r);
  check(
    'FTP and SCM basic-auth publishing are off (basicPublishingCredentialsPolicies, not ftpsState)',
    ['ftp', 'scm'].every((kind) => ftpPolicy.some((r) => String(r.name).endsWith(`'${kind}')]`) && r.properties?.allow === false)),
  );
  check(
    'function app is tagged azd-service-name (azd deploy finds it by that tag)',
    JSON.stringify(site?.tags ?? '').includes('azd-service-name'),
  );

  const settingsResources = resourcesOfType(template, 'Microsoft.Web/sites/config').filter(([r]) => String(r.name).includes('appsettings'));
  const settings = settingsResources[0]?.[0]?.properties ?? {};
  const missing = REQUIRED_APP_SETTINGS.filter((name) => !(name in settings));
  check(
    'app settings include every setting the code reads',
    settingsResources.length === 1 && missing.length === 0,
    missing.length ? `missing: ${missing.join(', ')}` : '',
  );
  check(
    'AzureWebJobsStorage__credential and ASSIGNMENTS_STORAGE__credential are managedidentity',
    settings.AzureWebJobsStorage__credential === 'managedidentity' && settings.ASSIGNMENTS_STORAGE__credential === 'managedidentity',
  );
  check(
    'ASSIGNMENTS_STORAGE__tableServiceUri is set',
    typeof settings.ASSIGNMENTS_STORAGE__tableServiceUri === 'string' && settings.ASSIGNMENTS_STORAGE__tableServiceUri.length > 0,
  );
  const forbidden = FORBIDDEN_APP_SETTINGS.filter((name) => name in settings);
  check('no app setting Flex rejects, and no storage connection string', forbidden.length === 0, forbidden.join(', '));

  const queueRoles = Object.entries(QUEUE_ROLES).filter(([, id]) => text.toLowerCase().includes(id));
  const queueSettings = Object.keys(settings).filter((k) => /queue/i.test(k));
  check(
    'no queue: no storage queue role and no queue service setting (the app is HTTP-only)' +
      (QUEUE_ROLE_JUSTIFICATION ? ` - allowed: ${QUEUE_ROLE_JUSTIFICATION}` : ''),
    QUEUE_ROLE_JUSTIFICATION !== null || (queueRoles.length === 0 && queueSettings.length === 0),
    [...queueRoles.map(([name]) => name), ...queueSettings].join(', '),
  );

  const accounts = resourcesOfType(template, 'Microsoft.Storage/storageAccounts').map(([r]) => r);
  const account = accounts[0]?.properties ?? {};
  check(
    'storage account: shared keys off, OAuth default, TLS 1.2, HTTPS only, no public blobs',
    accounts.length === 1 &&
      account.allowSharedKeyAccess === false &&
      account.defaultToOAuthAuthentication === true &&
      account.minimumTlsVersion === 'TLS1_2' &&
      account.supportsHttpsTrafficOnly === true &&
      account.allowBlobPublicAccess === false,
  );
  check(
    'assignments table is created by the template',
    resourcesOfType(template, 'Microsoft.Storage/storageAccounts/tableServices/tables').length === 1,
  );

  const insights = resourcesOfType(template, 'Microsoft.Insights/components').map(([r]) => r);
  check(
    'Application Insights is workspace-based with local auth disabled',
    insights.length === 1 && insights[0].properties?.DisableLocalAuth === true && Boolean(insights[0].properties?.WorkspaceResourceId),
  );

  const workspaces = resourcesOfType(template, 'Microsoft.OperationalInsights/workspaces').map(([r]) => r);
  const cap = workspaces[0]?.properties?.workspaceCapping?.dailyQuotaGb;
  const capDefault = Number(template.parameters?.logAnalyticsDailyCapGb?.defaultValue);
  check(
    `Log Analytics has a daily cap, by default small (0 < cap <= ${MAX_DEFAULT_DAILY_CAP_GB} GB)`,
    workspaces.length === 1 && cap !== undefined && capDefault > 0 && capDefault <= MAX_DEFAULT_DAILY_CAP_GB,
    `dailyQuotaGb ${JSON.stringify(cap)}, default ${template.parameters?.logAnalyticsDailyCapGb?.defaultValue}`,
  );

  const location = template.parameters?.location;
  const regions = location?.allowedValues ?? [];
  check(
    'location is restricted with @allowed to Flex Consumption regions (lower-case names, no early-access regions)',
    regions.length > 0 && regions.every((r: string) => /^[a-z0-9]+$/.test(r) && !/euap$/.test(r)),
    `${regions.length} region(s)`,
  );

  // Role assignments: who gets what, and how each is named.
  const assignments = roleAssignments(template);
  const appAssignments = assignments.filter((a) => a.principal === "parameters('appPrincipalId')");
  const appRoles = [...new Set(appAssignments.flatMap((a) => a.roleIds))].sort();
  check(
    'the app identity holds exactly its data roles (Blob Data Owner, Table Data Contributor, Metrics Publisher, Key Vault Secrets User)',
    JSON.stringify(appRoles) === JSON.stringify([...APP_IDENTITY_ROLES].sort()),
    `holds ${appRoles.join(', ')}`,
  );
  const deployerAssignments = assignments.filter((a) => a.principal === "parameters('deployerPrincipalId')");
  const deployerAlways = [...new Set(deployerAssignments.filter((a) => !a.resource.condition).flatMap((a) => a.roleIds))].sort();
  const deployerGated = deployerAssignments.filter((a) => a.resource.condition);
  check(
    'the deploying principal gets only what azd deploy needs (Website Contributor on the app, Reader on the group)',
    JSON.stringify(deployerAlways) === JSON.stringify([...DEPLOYER_ROLES].sort()),
    `always: ${deployerAlways.join(', ')}`,
  );
  const mainDeployerData = template.parameters?.deployerDataAccess;
  check(
    "the deploying principal's data roles sit behind deployerDataAccess (default false)",
    mainDeployerData?.type === 'bool' &&
      mainDeployerData.defaultValue === false &&
      deployerGated.length > 0 &&
      deployerGated.every((a) => allParameterNames(expressionOf(a.resource.condition)).includes('deployerDataAccess')) &&
      deployerGated.flatMap((a) => a.roleIds).every((id) => DEPLOYER_DEBUG_ROLES.includes(id)),
    deployerGated.map((a) => a.resource.condition).join(', '),
  );
  check(
    'every role assignment grants a principal (app identity or deployer) the template knows',
    assignments.length > 0 && assignments.every((a) => appAssignments.includes(a) || deployerAssignments.includes(a)),
    assignments
      .filter((a) => !appAssignments.includes(a) && !deployerAssignments.includes(a))
      .map((a) => a.principal)
      .join(', '),
  );
  const unstable = assignments.filter((a) => {
    const [scopeArg, principalArg, roleArg] = a.nameArgs ?? [];
    const scopeParams = allParameterNames(a.scope);
    return (
      a.nameArgs?.length !== 3 ||
      principalArg !== a.principal ||
      roleArg !== a.roleExpression ||
      (a.scope === 'resourceGroup().id'
        ? scopeArg !== 'resourceGroup().id'
        : !scopeParams.every((p) => allParameterNames(scopeArg).includes(p)) || scopeArg !== a.scope)
    );
  });
  check(
    'every role assignment is named guid(scope, principal ID, role)',
    assignments.length > 0 && unstable.length === 0,
    unstable.map((a) => a.resource.name).join('; '),
  );

  // Key Vault and the secret settings.
  const vaults = resourcesOfType(template, 'Microsoft.KeyVault/vaults').map(([r]) => r);
  const vault = vaults[0]?.properties ?? {};
  check(
    'Key Vault: RBAC authorisation, purge protection, no access policies',
    vaults.length === 1 &&
      vault.enableRbacAuthorization === true &&
      vault.enablePurgeProtection === true &&
      (vault.accessPolicies ?? []).length === 0,
  );
  const apiModule = resourceList(template).find(
    (r) => isType(r, 'Microsoft.Resources/deployments') && r.properties?.template === siteTemplate,
  );
  const kvModule = resourceList(template).find(
    (r) => isType(r, 'Microsoft.Resources/deployments') && resourcesOfType(r.properties?.template, 'Microsoft.KeyVault/vaults').length > 0,
  );
  const referenceProblems: string[] = [];
  for (const [setting, output] of Object.entries(SECRET_SETTINGS)) {
    const parameter = allParameterNames(expressionOf(settings[setting]))[0];
    if (!parameter || siteTemplate?.parameters?.[parameter]?.type !== 'securestring') {
      referenceProblems.push(`${setting} is not a secure parameter of the app module`);
      continue;
    }
    const { condition, whenOn } = moduleParameter(apiModule, parameter);
    if (condition !== "parameters('keyVaultEnabled')" || !whenOn?.includes("'keyVault')") || !whenOn.endsWith(`.outputs.${output}.value`)) {
      referenceProblems.push(`${setting} does not come from the vault's ${output} output when keyVaultEnabled`);
    }
    const produced = expressionOf(kvModule?.properties?.template?.outputs?.[output]?.value) ?? '';
    if (!produced.includes("'@Microsoft.KeyVault(SecretUri={0})'") || !produced.includes('secretUriWithVersion')) {
      referenceProblems.push(`the vault's ${output} output is not @Microsoft.KeyVault(SecretUri=<versioned secret URI>)`);
    }
  }
  const mockAdminKeyPassed = moduleParameter(apiModule, 'mockAdminKeySetting');
  if (allParameterNames(`${mockAdminKeyPassed.whenOn} ${mockAdminKeyPassed.whenOff}`).includes('mockAdminKey'))
    referenceProblems.push('MOCK_ADMIN_KEY can be the plain key');
  check(
    'AUTH_API_KEYS and MOCK_ADMIN_KEY are @Microsoft.KeyVault(SecretUri=...) references when the vault is on; MOCK_ADMIN_KEY is never plain',
    referenceProblems.length === 0,
    referenceProblems.join('; '),
  );
  check(
    'the app resolves Key Vault references with its user-assigned identity (keyVaultReferenceIdentity)',
    allParameterNames(expressionOf(site?.properties?.keyVaultReferenceIdentity)).includes('keyVaultReferenceIdentity') &&
      /'identity'\), '[^']+'\)\.outputs\.resourceId\.value$/.test(moduleParameter(apiModule, 'keyVaultReferenceIdentity').whenOn ?? ''),
  );
  const refusal = expressionOf(resourceList(template).find((r) => isType(r, 'Microsoft.Resources/resourceGroups'))?.tags) ?? '';
  check(
    'a MOCK_ADMIN_KEY without the vault is refused before anything is created',
    /^if\(variables\('mockAdminKeyRefused'\), fail\(/.test(refusal) &&
      /not\(parameters\('keyVaultEnabled'\)\)/.test(template.variables?.mockAdminKeyRefused ?? '') &&
      /parameters\('mockAdminKey'\)/.test(template.variables?.mockAdminKeyRefused ?? ''),
    refusal.slice(0, 80),
  );
  check(
    'MOCK_ADMIN=on without a MOCK_ADMIN_KEY is refused before anything is created (the app would not start)',
    /, if\(variables\('mockAdminWithoutKey'\), fail\(/.test(refusal) &&
      /equals\(parameters\('mockAdmin'\), 'on'\)/.test(template.variables?.mockAdminWithoutKey ?? '') &&
      /empty\(parameters\('mockAdminKey'\)\)/.test(template.variables?.mockAdminWithoutKey ?? ''),
    `${refusal.slice(0, 160)} | ${template.variables?.mockAdminWithoutKey ?? '(no mockAdminWithoutKey)'}`,
  );

  // No secret in the template or its outputs.
  const secretProblems: string[] = [];
  for (const { template: t } of templatesIn(template)) {
    const secure = Object.entries<Json>(t.parameters ?? {}).filter(([, p]) => /^secure(string|object)$/i.test(p.type));
    for (const [name, p] of secure) {
      if ('defaultValue' in p && p.defaultValue !== '' && JSON.stringify(p.defaultValue) !== '{}')
        secretProblems.push(`secure parameter ${name} has a default value`);
    }
    for (const [name, output] of Object.entries<Json>(t.outputs ?? {})) {
      const used = allParameterNames(JSON.stringify(output.value ?? ''));
      const leaked = secure.filter(([p]) => used.includes(p)).map(([p]) => p);
      if (leaked.length) secretProblems.push(`output ${name} uses ${leaked.join(', ')}`);
      if (/^secure/i.test(output.type ?? '')) secretProblems.push(`output ${name} is secure-typed`);
    }
  }
  for (const name of Object.keys(SECURE_PARAMETER_SOURCES)) {
    if (template.parameters?.[name]?.type !== 'securestring') secretProblems.push(`${name} is not @secure()`);
  }
  check(
    'no secret value in the template or its outputs (secure parameters without defaults, no output uses one)',
    secretProblems.length === 0,
    secretProblems.join('; '),
  );

  check('no listKeys( anywhere in the template', !/listkeys\s*\(/i.test(text));
  check('no AccountKey= anywhere in the template', !/accountkey\s*=/i.test(text));

  const outputs = Object.keys(template.outputs ?? {});
  const missingOutputs = REQUIRED_OUTPUTS.filter((name) => !outputs.includes(name));
  check(
    'outputs azd and the README rely on',
    missingOutputs.length === 0,
    missingOutputs.length ? `missing: ${missingOutputs.join(', ')}` : '',
  );

  return checks;
}

/**
 * One mutation per rule: each breaks a copy of the compiled template the way a regression would, and
 * names the check that must then fail. Returns checks of its own ("mutation X is caught").
 */
const MUTATIONS: Array<[what: string, checkPrefix: string, mutate: (template: Json) => unknown]> = [
  ['siteConfig.ftpsState comes back', 'no siteConfig.ftpsState', (t) => (site(t).properties.siteConfig.ftpsState = 'Disabled')],
  [
    'a siteConfig property Flex rejects',
    'siteConfig sets only properties Flex takes',
    (t) => (site(t).properties.siteConfig.use32BitWorkerProcess = false),
  ],
  [
    'a siteConfig property nobody vetted',
    'siteConfig sets only properties Flex takes',
    (t) => (site(t).properties.siteConfig.alwaysOn = true),
  ],
  ['location without @allowed', 'location is restricted with @allowed', (t) => delete t.parameters.location.allowedValues],
  ['an early-access region', 'location is restricted with @allowed', (t) => t.parameters.location.allowedValues.push('eastus2euap')],
  [
    'a queue role for the app',
    'no queue: no storage queue role',
    (t) => (
      (appRoleVariable(t)[0] = "[variables('queueRole')]"),
      (rbac(t).variables.queueRole = QUEUE_ROLES['Storage Queue Data Contributor'])
    ),
  ],
  [
    'a queue service setting',
    'no queue: no storage queue role',
    (t) => (appSettings(t).AzureWebJobsStorage__queueServiceUri = "[parameters('blobEndpoint')]"),
  ],
  ['an extra role for the app', 'the app identity holds exactly its data roles', (t) => appRoleVariable(t).push(ROLE.reader)],
  [
    'the deployer always gets data roles',
    "the deploying principal's data roles sit behind deployerDataAccess",
    (t) => deployerData(t).forEach((r: Json) => delete r.condition),
  ],
  [
    'deployerDataAccess on by default',
    "the deploying principal's data roles sit behind deployerDataAccess",
    (t) => (t.parameters.deployerDataAccess.defaultValue = true),
  ],
  [
    'the deployer gets more than azd deploy needs',
    'the deploying principal gets only what azd deploy needs',
    (t) => (deployerRbacTemplate(t).variables.roles.reader = 'b24988ac-6180-42a0-ab88-20f7382dd24c'),
  ],
  [
    'a role name keyed on the identity resource ID',
    'every role assignment is named guid(scope, principal ID, role)',
    (t) =>
      (rbacAssignments(t)[0].name =
        "[guid(resourceId('Microsoft.Storage/storageAccounts', parameters('storageAccountName')), resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', 'id'), variables('appStorageRoles')[copyIndex()])]"),
  ],
  [
    'a role name without the role',
    'every role assignment is named guid(scope, principal ID, role)',
    (t) =>
      (rbacAssignments(t)[1].name =
        "[guid(resourceId('Microsoft.Insights/components', parameters('applicationInsightsName')), parameters('appPrincipalId'))]"),
  ],
  [
    'a vault with access policies',
    'Key Vault: RBAC authorisation, purge protection',
    (t) => vaultOf(t).properties.accessPolicies.push({ objectId: 'x', permissions: { secrets: ['get'] } }),
  ],
  [
    'a vault without RBAC',
    'Key Vault: RBAC authorisation, purge protection',
    (t) => (vaultOf(t).properties.enableRbacAuthorization = false),
  ],
  [
    'a vault without purge protection',
    'Key Vault: RBAC authorisation, purge protection',
    (t) => delete vaultOf(t).properties.enablePurgeProtection,
  ],
  [
    'AUTH_API_KEYS as a plain setting with the vault on',
    'AUTH_API_KEYS and MOCK_ADMIN_KEY are @Microsoft.KeyVault',
    (t) => (apiOf(t).properties.parameters.authApiKeysSetting = { value: "[parameters('authApiKeys')]" }),
  ],
  [
    'MOCK_ADMIN_KEY plain without the vault',
    'AUTH_API_KEYS and MOCK_ADMIN_KEY are @Microsoft.KeyVault',
    (t) => {
      const parameters = apiOf(t).properties.parameters;
      parameters.mockAdminKeySetting = parameters.mockAdminKeySetting.replace(
        "createObject('value', ''))",
        "createObject('value', parameters('mockAdminKey')))",
      );
    },
  ],
  [
    'a vault output that is not a reference',
    'AUTH_API_KEYS and MOCK_ADMIN_KEY are @Microsoft.KeyVault',
    (t) => (kvOf(t).properties.template.outputs.authApiKeysReference.value = "[reference('authApiKeysSecret').secretUriWithVersion]"),
  ],
  ['no keyVaultReferenceIdentity', 'the app resolves Key Vault references', (t) => delete site(t).properties.keyVaultReferenceIdentity],
  [
    'no refusal of MOCK_ADMIN_KEY without the vault',
    'a MOCK_ADMIN_KEY without the vault is refused',
    (t) => (t.resources.find((r: Json) => r.type === 'Microsoft.Resources/resourceGroups').tags = "[variables('tags')]"),
  ],
  [
    'MOCK_ADMIN=on without a key let through',
    'MOCK_ADMIN=on without a MOCK_ADMIN_KEY is refused',
    (t) => (t.variables.mockAdminWithoutKey = '[false()]'),
  ],
  [
    'a secure parameter with a default',
    'no secret value in the template',
    (t) => (t.parameters.authApiKeys.defaultValue = 'key-in-the-template'),
  ],
  [
    'an output that carries a secret',
    'no secret value in the template',
    (t) => (t.outputs.LEAK = { type: 'string', value: "[parameters('mockAdminKey')]" }),
  ],
  [
    'a secret output of a module',
    'no secret value in the template',
    (t) => (kvOf(t).properties.template.outputs.leak = { type: 'string', value: "[parameters('authApiKeys')]" }),
  ],
  ['no daily cap', 'Log Analytics has a daily cap', (t) => delete workspaceOf(t).properties.workspaceCapping],
  ['a large default daily cap', 'Log Analytics has a daily cap', (t) => (t.parameters.logAnalyticsDailyCapGb.defaultValue = '-1')],
  ['a non-GA Node version', 'functionAppConfig.runtime is node', (t) => (site(t).properties.functionAppConfig.runtime.version = '20')],
  ['a Plan that is not Flex', 'Microsoft.Web/serverFarms is Flex Consumption', (t) => (planOf(t).sku.name = 'Y1')],
];

function only<T>(list: T[], what: string): T {
  if (list.length !== 1) throw new Error(`self-test: expected one ${what}, found ${list.length}`);
  return list[0]!;
}
const site = (t: Json): Json => only(resourcesOfType(t, 'Microsoft.Web/sites'), 'function app')[0];
const planOf = (t: Json): Json => only(resourcesOfType(t, 'Microsoft.Web/serverfarms'), 'plan')[0];
const vaultOf = (t: Json): Json => only(resourcesOfType(t, 'Microsoft.KeyVault/vaults'), 'vault')[0];
const workspaceOf = (t: Json): Json => only(resourcesOfType(t, 'Microsoft.OperationalInsights/workspaces'), 'workspace')[0];
const appSettings = (t: Json): Json => only(resourcesOfType(t, 'Microsoft.Web/sites/config'), 'settings')[0].properties;
const moduleNamed = (t: Json, name: string): Json =>
  only(
    resourceList(t).filter((r) => r.name === name),
    `module ${name}`,
  );
const apiOf = (t: Json): Json => moduleNamed(t, 'api');
const kvOf = (t: Json): Json => moduleNamed(t, 'keyVault');
const rbac = (t: Json): Json => moduleNamed(t, 'rbac').properties.template;
const rbacAssignments = (t: Json): Json => resourceList(rbac(t)).filter((r) => isType(r, 'Microsoft.Authorization/roleAssignments'));
const appRoleVariable = (t: Json): Json => rbac(t).variables.appStorageRoles;
const deployerRbacTemplate = (t: Json): Json => moduleNamed(t, 'deployerRbac').properties.template;
const deployerData = (t: Json): Json => resourceList(deployerRbacTemplate(t)).filter((r) => r.condition);

function selfTest(template: Json): Check[] {
  const baseline = templateChecks(template);
  return MUTATIONS.map(([what, checkPrefix, mutate]) => {
    const copy = structuredClone(template);
    try {
      mutate(copy);
    } catch (err) {
      return {
        name: `self-test: ${what} is caught`,
        ok: false,
        detail: `mutation failed: ${err instanceof Error ? err.message : String(err)}`,
      };
    }
    const target = templateChecks(copy).filter((c) => c.name.startsWith(checkPrefix));
    const held = baseline.filter((c) => c.name.startsWith(checkPrefix) && c.ok);
    return {
      name: `self-test: ${what} is caught`,
      ok: target.length > 0 && held.length === target.length && target.some((c) => !c.ok),
      detail: target.length ? '' : `no check starts with "${checkPrefix}"`,
    };
  });
}

/** main.parameters.json must name only real parameters, give every required one a value, and feed secrets from azd env values. */
function parameterFileChecks(template: Json): Check[] {
  const checks: Check[] = [];
  let parameters: Json;
  try {
    parameters = JSON.parse(fs.readFileSync(MAIN_PARAMETERS, 'utf8')).parameters ?? {};
  } catch (err) {
    return [{ name: `${rel(MAIN_PARAMETERS)} is valid JSON`, ok: false, detail: err instanceof Error ? err.message : String(err) }];
  }
  const declared: Record<string, Json> = template.parameters ?? {};
  const unknown = Object.keys(parameters).filter((name) => !(name in declared));
  checks.push({
    name: `${rel(MAIN_PARAMETERS)} names only parameters main.bicep declares`,
    ok: unknown.length === 0,
    detail: unknown.join(', '),
  });
  const required = Object.entries(declared)
    .filter(([, p]) => !('defaultValue' in p))
    .map(([name]) => name);
  const unmapped = required.filter((name) => !(name in parameters));
  checks.push({ name: `${rel(MAIN_PARAMETERS)} maps every required parameter`, ok: unmapped.length === 0, detail: unmapped.join(', ') });
  const badSecrets = Object.entries(SECURE_PARAMETER_SOURCES).filter(([name, env]) => parameters[name]?.value !== `\${${env}}`);
  checks.push({
    name: `${rel(MAIN_PARAMETERS)} feeds each secret from its azd env value only (${Object.values(SECURE_PARAMETER_SOURCES).join(', ')}), no literal or default`,
    ok: badSecrets.length === 0,
    detail: badSecrets.map(([name]) => name).join(', '),
  });
  return checks;
}

/** The source-level rules: local modules only, and azure.yaml wired for a Flex function app. */
function sourceChecks(files: string[]): Check[] {
  const checks: Check[] = [];
  const registry = files.filter((file) => /^\s*module\s+\S+\s+'(br|ts)[:/]/m.test(fs.readFileSync(file, 'utf8')));
  checks.push({
    name: 'only local modules (no br: or ts: registry references)',
    ok: registry.length === 0,
    detail: registry.map(rel).join(', '),
  });

  let yaml = '';
  try {
    yaml = fs.readFileSync(AZURE_YAML, 'utf8');
  } catch {
    // reported below
  }
  const service = /^services:\s*\n\s+api:\s*\n((?:\s{4,}.*\n?)+)/m.exec(yaml)?.[1] ?? '';
  checks.push({
    name: 'azure.yaml: service api, project ., host function, language ts',
    ok: /^\s+project:\s*\.\s*$/m.test(service) && /^\s+host:\s*function\s*$/m.test(service) && /^\s+language:\s*ts\s*$/m.test(service),
  });
  return checks;
}

// ---------------------------------------------------------------------------------------------

function main(): number {
  const started = Date.now();
  const pinnedOnly = process.argv.includes('--pinned');
  const compiler = findCompiler({ pinnedOnly });
  const source = compiler.reused === undefined ? '' : compiler.reused ? ', cached' : ', freshly restored';
  process.stdout.write(`infra-check: Bicep CLI ${compiler.version} — ${compiler.description}${source}\n`);

  const files = listBicepFiles(INFRA_DIR);
  if (!files.includes(MAIN_BICEP)) throw new CheckError(`${rel(MAIN_BICEP)} not found`);

  const width = Math.max(...files.map((f) => rel(f).length));
  const results: Array<ReturnType<typeof checkFile>> = [];
  for (const file of files) {
    const result = checkFile(compiler, file);
    results.push(result);
    const status = result.problems.length === 0 ? 'ok' : `${result.problems.length} problem(s)`;
    process.stdout.write(`  ${rel(file).padEnd(width)}  build+lint ${status}\n`);
    for (const problem of result.problems) process.stdout.write(`      ${problem}\n`);
  }
  const problemCount = results.reduce((n, r) => n + r.problems.length, 0);
  const warnings = results.reduce((n, r) => n + r.problems.filter((p) => p.startsWith('Warning')).length, 0);

  const mainResult = results.find((r) => r.file === MAIN_BICEP);
  let checks = sourceChecks(files);
  if (mainResult?.json) {
    const template: Json = JSON.parse(mainResult.json);
    checks = checks.concat(templateChecks(template), parameterFileChecks(template), selfTest(template));
  } else {
    checks.push({ name: `${rel(MAIN_BICEP)} compiles`, ok: false });
  }
  process.stdout.write(`  checks on the compiled ${rel(MAIN_BICEP)}:\n`);
  for (const c of checks) {
    process.stdout.write(`    ${c.ok ? 'ok  ' : 'FAIL'}  ${c.name}${!c.ok && c.detail ? ` (${c.detail})` : ''}\n`);
  }
  const failedChecks = checks.filter((c) => !c.ok).length;

  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const clean = problemCount === 0 && failedChecks === 0;
  process.stdout.write(
    `infra-check: ${clean ? 'OK' : 'FAILED'} — ${files.length} Bicep files, ` +
      `${problemCount - warnings} errors, ${warnings} warnings; ` +
      `${checks.length - failedChecks}/${checks.length} template checks hold (${seconds}s)\n`,
  );
  return clean ? 0 : 1;
}

if (import.meta.main) {
  try {
    process.exitCode = main();
  } catch (err) {
    if (err instanceof CheckError) {
      process.stderr.write(`infra-check: ${err.message}\n`);
      process.exitCode = 2;
    } else {
      throw err;
    }
  }
}

export { MUTATIONS, parameterFileChecks, selfTest, templateChecks };
