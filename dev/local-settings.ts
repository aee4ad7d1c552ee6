import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Values from local.settings.json, without overriding what the environment already sets (as `func start`).
 * A module of its own, with no side effects: test code bundled by esbuild imports it, and bundling
 * dev/runner.ts would run the runner's command-line entry (`require.main === module` holds for
 * every module inside a bundle).
 */
export function loadLocalSettings(appRoot: string, env: NodeJS.ProcessEnv = process.env): void {
  const file = path.join(appRoot, 'local.settings.json');
  if (!existsSync(file)) return;
  const settings = JSON.parse(readFileSync(file, 'utf8')) as { Values?: Record<string, string> };
  for (const [key, value] of Object.entries(settings.Values ?? {})) env[key] ??= value;
}
