#!/usr/bin/env node
// Builds the deployment package in dist/package: one tree-shaken esbuild bundle of the app with its
// source map, host.json and a package.json whose `main` names the bundle. No node_modules are needed
// at run time, so the package holds only what runs (no tests, no Azurite, no dev dependencies).
'use strict';
const { build } = require('esbuild');
const { mkdirSync, rmSync, copyFileSync, writeFileSync, readFileSync } = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const out = path.join(root, 'dist', 'package');

const common = {
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  sourcemap: true,
  minifySyntax: true,
  minifyWhitespace: true,
  legalComments: 'linked',
  logLevel: 'warning',
};

/**
 * @azure/identity (and MSAL under it) is required lazily by src/storage/tables.ts, only for managed
 * identity storage. Bundled inline it would still be read and compiled at every start-up, so it gets a
 * file of its own that the app requires on first use: the entry module's import time drops by the size
 * of that chunk (see bench/README.md).
 */
const identityChunk = {
  name: 'identity-chunk',
  setup(b) {
    b.onResolve({ filter: /^@azure\/identity$/ }, () => ({ path: './identity.js', external: true }));
  },
};

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
  await build({
    ...common,
    stdin: { contents: "module.exports = require('@azure/identity');", resolveDir: root, sourcefile: 'identity-entry.js' },
    outfile: path.join(out, 'identity.js'),
  });
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  writeFileSync(
    path.join(out, 'package.json'),
    JSON.stringify({ name: pkg.name, version: pkg.version, private: true, main: 'app.js', engines: pkg.engines }, null, 2) + '\n',
  );
  copyFileSync(path.join(root, 'host.json'), path.join(out, 'host.json'));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
