/**
 * `npm run lint` checks the import graph with this: no cycle, type-only imports included (a cycle of
 * types still ties the modules' designs together). The layering itself (which folder may import which)
 * is written down in docs/architecture.md; add its rules here as `forbidden` entries.
 * @type {import('dependency-cruiser').IConfiguration}
 */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Modules that import each other, directly or through others: neither can be read or changed alone.',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports count: they are erased when compiled, not when read.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.mts', '.js', '.mjs'] },
  },
};
