#!/usr/bin/env node
'use strict';

/**
 * Compiles and lints every Bicep file under infra/, then checks the compiled main template for the
 * properties this deployment depends on (Flex Consumption, Node 22, identity-based storage, no keys).
 *
 *   node scripts/infra-check.js            use `bicep` on PATH, else `az bicep`, else the pinned package
 *   node scripts/infra-check.js --pinned   always use the pinned package (what CI should compare against)
 *
 * The pinned compiler is the NuGet package Azure.Bicep.CommandLine.<rid>, restored with the .NET SDK
 * into .tools/bicep/ (git-ignored) on first use and reused afterwards. BICEP_BIN=<path> overrides all.
 *
 * Exit code 0 only when every file builds and lints with no error and no warning, and every template
 * check holds. Uses Node built-ins only; works from any working directory.
 */

const childProcess = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const REPO_ROOT = path.resolve(__dirname, '..');
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
  'AzureWebJobsStorage__queueServiceUri',
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
];

class CheckError extends Error {
  name = 'CheckError';
}

function rel(file) {
  return path.relative(REPO_ROOT, file) || '.';
}

function run(command, args, options = {}) {
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
function onPath(name) {
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

function versionOf(text) {
  const match = /(\d+\.\d+\.\d+)/.exec(text);
  return match ? match[1] : 'unknown';
}

// ---------------------------------------------------------------------------------------------
// Finding a compiler
// ---------------------------------------------------------------------------------------------

function standaloneCompiler(binary, description) {
  const probe = run(binary, ['--version'], { timeout: 60_000 });
  if (probe.status !== 0) return undefined;
  return {
    description,
    version: versionOf(probe.stdout + probe.stderr),
    build: (file) => run(binary, ['build', file, '--stdout']),
    lint: (file) => run(binary, ['lint', file]),
  };
}

function azCompiler(az) {
  // `az bicep` installs its own copy on first use, which needs the internet; if that fails we fall
  // through to the pinned package instead of failing the check.
  const probe = run(az, ['bicep', 'version', '--only-show-errors'], { timeout: 90_000 });
  if (probe.status !== 0) return undefined;
  return {
    description: `az bicep (${az})`,
    version: versionOf(probe.stdout + probe.stderr),
    build: (file) => run(az, ['bicep', 'build', '--file', file, '--stdout']),
    lint: (file) => run(az, ['bicep', 'lint', '--file', file]),
  };
}

/** NuGet runtime identifier of the Bicep CLI package for this machine. */
function bicepRid() {
  const family = { linux: 'linux', darwin: 'osx', win32: 'win' }[process.platform];
  const arch = { x64: 'x64', arm64: 'arm64' }[process.arch];
  if (!family || !arch) throw new CheckError(`no Bicep CLI package for ${process.platform}/${process.arch}`);
  return `${family}-${arch}`;
}

function findFile(dir, name) {
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

function pinnedCompiler() {
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

function findCompiler({ pinnedOnly }) {
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

function listBicepFiles(dir) {
  const files = [];
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
function diagnosticsOf(result, text) {
  const problems = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || AZ_NOTICE.test(line)) continue;
    const match = DIAGNOSTIC.exec(line);
    if (match) {
      if (match.groups.level !== 'Info') {
        problems.push(`${match.groups.level} ${match.groups.code}: ${match.groups.message} ${match.groups.where.replace(REPO_ROOT + path.sep, '')}`);
      }
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

function checkFile(compiler, file) {
  const build = compiler.build(file);
  const lint = compiler.lint(file);
  // The linter also runs inside build, so the same finding usually appears twice.
  const problems = [...new Set([...diagnosticsOf(build, build.stderr), ...diagnosticsOf(lint, lint.stdout + lint.stderr)])];
  return { file, problems, json: build.status === 0 ? build.stdout : undefined };
}

// ---------------------------------------------------------------------------------------------
// Template checks
// ---------------------------------------------------------------------------------------------

/** Every object in a JSON tree, depth first (nested module templates included). */
function* objectsIn(node) {
  if (Array.isArray(node)) {
    for (const item of node) yield* objectsIn(item);
  } else if (node && typeof node === 'object') {
    yield node;
    for (const value of Object.values(node)) yield* objectsIn(value);
  }
}

function resourcesOfType(template, type) {
  return [...objectsIn(template)].filter(
    (o) => typeof o.type === 'string' && typeof o.apiVersion === 'string' && o.type.toLowerCase() === type.toLowerCase(),
  );
}

function templateChecks(template, text) {
  const checks = [];
  const check = (name, ok, detail = '') => checks.push({ name, ok: Boolean(ok), detail });

  const plans = resourcesOfType(template, 'Microsoft.Web/serverfarms');
  check(
    'Microsoft.Web/serverFarms is Flex Consumption (sku FC1, tier FlexConsumption, Linux)',
    plans.length === 1 &&
      plans[0].sku?.name === 'FC1' &&
      plans[0].sku?.tier === 'FlexConsumption' &&
      plans[0].properties?.reserved === true,
    `found ${plans.length} plan(s): ${JSON.stringify(plans.map((p) => p.sku))}`,
  );

  const sites = resourcesOfType(template, 'Microsoft.Web/sites');
  const site = sites[0];
  const config = site?.properties?.functionAppConfig;
  check('one function app (kind functionapp,linux)', sites.length === 1 && site.kind === 'functionapp,linux', `found ${sites.length}`);
  check(
    'functionAppConfig.runtime is node 22',
    config?.runtime?.name === 'node' && String(config?.runtime?.version) === '22',
    JSON.stringify(config?.runtime),
  );
  check(
    'deployment package is a blob container read with the user-assigned identity',
    config?.deployment?.storage?.type === 'blobContainer' &&
      config?.deployment?.storage?.authentication?.type === 'UserAssignedIdentity',
    JSON.stringify(config?.deployment?.storage?.authentication),
  );
  check(
    'scaleAndConcurrency sets instanceMemoryMB and maximumInstanceCount',
    config?.scaleAndConcurrency?.instanceMemoryMB !== undefined && config?.scaleAndConcurrency?.maximumInstanceCount !== undefined,
  );
  check(
    'function app is HTTPS only, TLS 1.2, FTPS disabled',
    site?.properties?.httpsOnly === true &&
      site?.properties?.siteConfig?.minTlsVersion === '1.2' &&
      site?.properties?.siteConfig?.ftpsState === 'Disabled',
  );
  check('function app is tagged azd-service-name (azd deploy finds it by that tag)', JSON.stringify(site?.tags ?? '').includes('azd-service-name'));

  const settingsResources = resourcesOfType(template, 'Microsoft.Web/sites/config').filter((r) =>
    String(r.name).includes('appsettings'),
  );
  const settings = settingsResources[0]?.properties ?? {};
  const missing = REQUIRED_APP_SETTINGS.filter((name) => !(name in settings));
  check('app settings include every setting the code reads', settingsResources.length === 1 && missing.length === 0, missing.length ? `missing: ${missing.join(', ')}` : '');
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

  const accounts = resourcesOfType(template, 'Microsoft.Storage/storageAccounts').filter((r) => r.properties);
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
  check('assignments table is created by the template', resourcesOfType(template, 'Microsoft.Storage/storageAccounts/tableServices/tables').length === 1);

  const insights = resourcesOfType(template, 'Microsoft.Insights/components').filter((r) => r.properties);
  check(
    'Application Insights is workspace-based with local auth disabled',
    insights.length === 1 && insights[0].properties.DisableLocalAuth === true && Boolean(insights[0].properties.WorkspaceResourceId),
  );

  // Role IDs sit in module variables, so look for them in the text next to real role assignments.
  const roleAssignments = resourcesOfType(template, 'Microsoft.Authorization/roleAssignments');
  for (const [role, id] of [
    ['Storage Blob Data Owner', 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'],
    ['Storage Table Data Contributor', '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'],
    ['Monitoring Metrics Publisher', '3913510d-42f4-4e42-8a64-420c390055eb'],
  ]) {
    check(`role assignment for ${role}`, roleAssignments.length > 0 && text.includes(id));
  }

  check('no listKeys( anywhere in the template', !/listkeys\s*\(/i.test(text));
  check('no AccountKey= anywhere in the template', !/accountkey\s*=/i.test(text));

  const outputs = Object.keys(template.outputs ?? {});
  const missingOutputs = REQUIRED_OUTPUTS.filter((name) => !outputs.includes(name));
  check('outputs azd and the README rely on', missingOutputs.length === 0, missingOutputs.length ? `missing: ${missingOutputs.join(', ')}` : '');

  return checks;
}

/** main.parameters.json must name only real parameters and give every required one a value. */
function parameterFileChecks(template) {
  const checks = [];
  let parameters;
  try {
    parameters = JSON.parse(fs.readFileSync(MAIN_PARAMETERS, 'utf8')).parameters ?? {};
  } catch (err) {
    return [{ name: `${rel(MAIN_PARAMETERS)} is valid JSON`, ok: false, detail: String(err.message) }];
  }
  const declared = template.parameters ?? {};
  const unknown = Object.keys(parameters).filter((name) => !(name in declared));
  checks.push({ name: `${rel(MAIN_PARAMETERS)} names only parameters main.bicep declares`, ok: unknown.length === 0, detail: unknown.join(', ') });
  const required = Object.entries(declared)
    .filter(([, p]) => !('defaultValue' in p))
    .map(([name]) => name);
  const unmapped = required.filter((name) => !(name in parameters));
  checks.push({ name: `${rel(MAIN_PARAMETERS)} maps every required parameter`, ok: unmapped.length === 0, detail: unmapped.join(', ') });
  return checks;
}

/** The source-level rules: local modules only, and azure.yaml wired for a Flex function app. */
function sourceChecks(files) {
  const checks = [];
  const registry = files.filter((file) => /^\s*module\s+\S+\s+'(br|ts)[:/]/m.test(fs.readFileSync(file, 'utf8')));
  checks.push({ name: 'only local modules (no br: or ts: registry references)', ok: registry.length === 0, detail: registry.map(rel).join(', ') });

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

function main() {
  const started = Date.now();
  const pinnedOnly = process.argv.includes('--pinned');
  const compiler = findCompiler({ pinnedOnly });
  const source = compiler.reused === undefined ? '' : compiler.reused ? ', cached' : ', freshly restored';
  process.stdout.write(`infra-check: Bicep CLI ${compiler.version} — ${compiler.description}${source}\n`);

  const files = listBicepFiles(INFRA_DIR);
  if (!files.includes(MAIN_BICEP)) throw new CheckError(`${rel(MAIN_BICEP)} not found`);

  const width = Math.max(...files.map((f) => rel(f).length));
  const results = [];
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
  if (mainResult.json) {
    const template = JSON.parse(mainResult.json);
    checks = checks.concat(templateChecks(template, mainResult.json), parameterFileChecks(template));
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
