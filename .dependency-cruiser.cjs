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
    // The layers of docs/architecture.md ("Folders"): each may import only what lies below it.
    {
      name: 'graph-knows-no-app',
      severity: 'error',
      comment: "src/graph/ is Graph's wire conventions: no resource, nothing of the mock, the pipeline or the store.",
      from: { path: '^src/graph/' },
      to: { path: '^src/(?!graph/)' },
    },
    {
      name: 'store-knows-no-http',
      severity: 'error',
      comment: 'The store keeps rows and reports in its own terms; answering in HTTP is the layers above.',
      from: { path: '^src/store/' },
      to: {
        path: '^src/(?!store/|config\\.ts$|settingsSlice\\.ts$|admin/settings\\.ts$|auth/settings\\.ts$|controls/settings\\.ts$|pipeline/settings\\.ts$)',
      },
    },
    {
      name: 'pipeline-knows-no-part',
      severity: 'error',
      comment: 'The pipeline runs what the composition root hands it: it knows no resource, no mock control and no admin.',
      from: { path: '^src/pipeline/' },
      to: { path: '^src/(assignments|configurations|admin|controls|service)/|^src/createApp\\.ts$' },
    },
    {
      name: 'resources-know-no-mock',
      severity: 'error',
      comment: 'A resource is served the same with the admin and the mock controls on or off.',
      from: { path: '^src/(assignments|configurations)/' },
      to: { path: '^src/(admin|controls|service)/|^src/createApp\\.ts$' },
    },
    {
      name: 'admin-page-is-browser-code',
      severity: 'error',
      comment:
        "The admin page's script runs in the browser and is bundled on its own: it imports nothing outside its folder (no app code, no package), and reaches the app over HTTP.",
      from: { path: '^src/admin/page/' },
      to: { path: '^(?!src/admin/page/)' },
    },
    {
      name: 'app-imports-no-page-code',
      severity: 'error',
      comment: "The admin page's script is browser code: the app serves its built files and never imports it.",
      from: { path: '^(src|dev|build|bench)/', pathNot: '^src/admin/page/' },
      to: { path: '^src/admin/page/' },
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
