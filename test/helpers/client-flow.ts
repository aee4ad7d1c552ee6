import { spawn } from 'node:child_process';
import path from 'node:path';
import { APP_ROOT } from './runner';

/**
 * Runs one of the client flows in test/e2e/clients/ (plain ES modules) in its own Node process and returns
 * the JSON report it prints on stdout.
 *
 * Why a child process and not the jest sandbox: Kiota and the Graph beta SDK ship only ES modules (the
 * SDK's models are one 15 MB file), which jest's CommonJS runtime cannot require without
 * --experimental-vm-modules, and transpiling them through ts-jest would be slow and brittle. A plain Node
 * process imports them as their authors intended. It also lets a flow trust the runner's test
 * certificate the way a user's machine would (NODE_EXTRA_CA_CERTS, read only at process start), so the
 * clients' own configuration changes in nothing but the base URL.
 */
export async function runClientFlow(
  script: string,
  args: string[],
  env: Record<string, string | undefined> = {},
  timeoutMs = 60_000,
): Promise<any> {
  const file = path.join(APP_ROOT, 'test', 'e2e', 'clients', script);
  const child = spawn(process.execPath, [file, ...args], {
    cwd: APP_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} did not finish within ${timeoutMs} ms:\n${stderr}`));
    }, timeoutMs);
    child.once('close', (exitCode) => {
      clearTimeout(timer);
      resolve(exitCode);
    });
  });
  if (code !== 0) throw new Error(`${script} exited with ${code}:\n${stderr}\n${stdout}`);
  try {
    return JSON.parse(stdout);
  } catch {
    throw new Error(`${script} printed no JSON report:\n${stdout}\n${stderr}`);
  }
}
