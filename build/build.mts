// npm run build (and the first half of npm start): compiles only what changed and says what it did.
//
// 1. TypeScript in build mode (tsc -b): it keeps dist/tsconfig.build.tsbuildinfo and does nothing when
//    no source, setting or output has changed (about 0.3 s here, against 8 s for a full compile).
// 2. Removes compiled files whose source is gone. Without a clean, a deleted or renamed
//    src/functions/x.ts would otherwise live on as dist/src/functions/x.js, and package.json `main`
//    (dist/src/functions/*.js) would still load it.
// 3. The admin page's files (build/admin-page.mts) beside the compiled admin, rebuilt only when one of
//    their sources is newer than them.
// 4. The deployment bundle (dist/package, build/bundle.mts), rebuilt only when a file it is built from
//    is newer than it.
//
// Nothing is deleted wholesale, so a build never pulls dist/ from under a server that is running.
// `npm run clean` still empties dist/. Node runs this file as it is (type stripping), before anything
// is compiled.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { ASSETS_FOLDER, buildAdminPage, newestSource } from './admin-page.mts';

const root = path.resolve(import.meta.dirname, '..');
const dist = path.join(root, 'dist');
const log = (message: string) => console.log(`build: ${message}`);
const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;
const mtime = (file: string) => (existsSync(file) ? statSync(file).mtimeMs : 0);

function run(args: string[], what: string): void {
  const result = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`build: ${what} failed`);
    process.exit(result.status ?? 1);
  }
}

/** The files under dir; with folders too, whose times change when a file in them is deleted. */
function* files(dir: string, withFolders = false): Generator<string> {
  if (!existsSync(dir)) return;
  if (withFolders) yield dir;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* files(full, withFolders);
    else yield full;
  }
}

// 1. TypeScript
const buildInfo = path.join(dist, 'tsconfig.build.tsbuildinfo');
const before = mtime(buildInfo);
let started = Date.now();
log(before ? 'TypeScript: checking for changes (tsc -b)...' : 'TypeScript: first compile of src/ and dev/ into dist/ (tsc -b)...');
run([createRequire(import.meta.url).resolve('typescript/bin/tsc'), '-b', 'tsconfig.build.json'], 'TypeScript');
log(mtime(buildInfo) === before ? `TypeScript: up to date (${seconds(started)})` : `TypeScript: compiled in ${seconds(started)}`);

// 2. Outputs without a source. dist/tools/ is what dev/ compiled to before it had that name: a
// checkout that built then would otherwise keep a stale copy of the local runner there. The admin
// page's files are built from sources of their own (step 3).
const pageAssets = path.join(dist, 'src', 'admin', ASSETS_FOLDER);
for (const folder of ['src', 'dev', 'tools']) {
  for (const file of files(path.join(dist, folder))) {
    if (file.startsWith(pageAssets + path.sep)) continue;
    const source = path.join(root, path.relative(dist, file)).replace(/\.js(\.map)?$/, '.ts');
    if (source.endsWith('.ts') && !existsSync(source)) {
      rmSync(file);
      log(`removed ${path.relative(root, file)} (its source is gone)`);
    }
  }
}

// 3. The admin page
const page = path.join(pageAssets, 'index.html');
if (mtime(page) > newestSource()) {
  log('admin page: up to date');
} else {
  started = Date.now();
  await buildAdminPage(pageAssets);
  log(`admin page: built in ${seconds(started)}`);
}

// 4. Deployment bundle
const bundle = path.join(dist, 'package', 'app.js');
const inputs = [
  ...files(path.join(root, 'src'), true),
  ...['package.json', 'package-lock.json', 'host.json', 'build/bundle.mts', 'build/admin-page.mts'].map((f) => path.join(root, f)),
];
const newest = Math.max(...inputs.map(mtime));
if (mtime(bundle) > newest) {
  log('deployment bundle dist/package: up to date');
} else {
  started = Date.now();
  log('deployment bundle dist/package: building (esbuild)...');
  run([path.join(root, 'build', 'bundle.mts')], 'the deployment bundle');
  log(`deployment bundle dist/package: built in ${seconds(started)}`);
}
