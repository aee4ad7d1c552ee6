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

async function main() {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  await build({
    entryPoints: [path.join(root, 'src', 'app.ts')],
    outfile: path.join(out, 'app.js'),
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    sourcemap: true,
    minifySyntax: true,
    minifyWhitespace: true,
    legalComments: 'linked',
    // Provided by the Functions Node worker at run time, never from node_modules.
    external: ['@azure/functions-core'],
    logLevel: 'warning',
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
