// Builds the deployment package in dist/package: one tree-shaken esbuild bundle of the app with its
// source map, the admin page's files, host.json and a package.json whose `main` names the bundle. No node_modules are needed
// at run time, so the package holds only what runs (no tests, no Azurite, no dev dependencies).
// Node runs this file as it is (type stripping).
import { build, type BuildOptions, type Plugin } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ASSETS_FOLDER, buildAdminPage } from './admin-page.mts';

const root = path.resolve(import.meta.dirname, '..');
const out = path.join(root, 'dist', 'package');

const common: BuildOptions = {
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'cjs',
  sourcemap: true,
  minifySyntax: true,
  minifyWhitespace: true,
  legalComments: 'linked',
  logLevel: 'warning',
};

/**
 * @azure/identity (and MSAL under it) is required lazily by the table store, only for managed
 * identity storage. Bundled inline it would still be read and compiled at every start-up, so it gets a
 * file of its own that the app requires on first use: the entry module's import time drops by the size
 * of that chunk (see bench/README.md).
 */
const identityChunk: Plugin = {
  name: 'identity-chunk',
  setup(b) {
    b.onResolve({ filter: /^@azure\/identity$/ }, () => ({ path: './identity.js', external: true }));
  },
};

/** A chunk: one package, bundled on its own, for the app to require on first use. */
function buildChunk(pkg: string, file: string) {
  return build({
    ...common,
    stdin: { contents: `module.exports = require('${pkg}');`, resolveDir: root, sourcefile: `${file}-entry.js` },
    outfile: path.join(out, file),
  });
}

async function main() {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  await build({
    ...common,
    entryPoints: [path.join(root, 'src', 'app.ts')],
    outfile: path.join(out, 'app.js'),
    // Provided by the Functions Node worker at run time, never from node_modules.
    external: ['@azure/functions-core'],
    plugins: [identityChunk],
  });
  // Beside app.js, where the bundled src/admin/page.ts looks for them (its __dirname is the bundle's).
  await buildAdminPage(path.join(out, ASSETS_FOLDER));
  await buildChunk('@azure/identity', 'identity.js');
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { name: string; version: string; engines: unknown };
  writeFileSync(
    path.join(out, 'package.json'),
    JSON.stringify({ name: pkg.name, version: pkg.version, private: true, main: 'app.js', engines: pkg.engines }, null, 2) + '\n',
  );
  copyFileSync(path.join(root, 'host.json'), path.join(out, 'host.json'));
}

await main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
