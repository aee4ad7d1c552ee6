/**
 * One measurement of the entry module's import time, in a fresh process: the time to load the files
 * that the app folder's package.json `main` names, with `@azure/functions-core` answered the way the
 * Functions Node worker answers it (the worker and node:http are loaded already, as in production).
 *
 * argv[2]: the app folder (dist/package for the bundle, the repository for tsc output).
 * Prints one JSON line: {importMs, cpuMs, files}. cpuMs (this thread's CPU time during the import) barely
 * moves when other processes compete for the cores; importMs does.
 */
import path from 'node:path';
import { createCoreApi, entryFiles, withCoreApi } from '../dev/runner';

const appRoot = path.resolve(process.argv[2] ?? '.');
const files = entryFiles(appRoot);
const api = createCoreApi(() => undefined);
const cpu0 = process.cpuUsage();
const start = performance.now();
withCoreApi(api, () => {
  // Loaded by path, as the Functions worker loads an app's entry files.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  for (const file of files) require(file);
});
const importMs = performance.now() - start;
const cpu = process.cpuUsage(cpu0);
if (api.functions.length === 0) throw new Error('no functions registered');
console.log(
  JSON.stringify({
    importMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    files: files.map((f) => path.relative(appRoot, f)),
    functions: api.functions.length,
  }),
);
