/**
 * The dependency rules between the project's folders (checked by `npm run lint:deps` in CI, with
 * scripts/check-deps.js adding the folder-level cycle check):
 * - src/host is a Functions host: it knows nothing of the domain (it may use the shared storage helpers
 *   of src/storage), and the domain never imports it;
 * - only functions/ (and the host) use @azure/functions; the domain is free of Functions types;
 * - the composition root (src/app) is imported only by functions/ (and the CLI for settings);
 * - no module cycles anywhere.
 */
const DOMAIN = '^src/(automl|benchmark|contract|datasets|deploy|events|models|pipeline|scoring|storage|supervisor|telemetry|training)/';
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    // src/storage (Azure Storage clients, connection settings, Azurite's account) is shared infrastructure.
    {
      name: 'host-knows-no-domain',
      severity: 'error',
      from: { path: '^src/host/' },
      to: { path: `${DOMAIN}|^src/app/|^functions/`, pathNot: '^src/storage/' },
    },
    { name: 'domain-never-imports-host', severity: 'error', from: { path: DOMAIN }, to: { path: '^src/host/' } },
    {
      name: 'functions-types-only-in-functions',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/host/' },
      to: { path: 'node_modules/@azure/functions/' },
    },
    { name: 'root-only-from-functions', severity: 'error', from: { path: DOMAIN }, to: { path: '^src/app/' } },
    { name: 'not-to-test', severity: 'error', from: { path: '^(src|functions)/' }, to: { path: '^test/' } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules|\\.local)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    moduleSystems: ['cjs', 'es6'],
  },
};
