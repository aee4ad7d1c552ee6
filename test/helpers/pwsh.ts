import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const TOOL_DIR = path.join(ROOT, '.tools', 'pwsh');
const VERSION = '7.6.9';

/**
 * PowerShell 7, the shell most Intune automation runs in: the `pwsh` on PATH if there is one, else the
 * PowerShell .NET global tool restored once into .tools/pwsh (git-ignored) with the .NET SDK, as
 * `infra:check` restores the Bicep CLI. 7.6.9 is pinned: a later 7.7 may need a newer .NET.
 */
export function pwshPath(): string {
  const local = path.join(TOOL_DIR, process.platform === 'win32' ? 'pwsh.exe' : 'pwsh');
  if (existsSync(local)) return local;
  try {
    execFileSync('pwsh', ['-NoProfile', '-Command', '$PSVersionTable.PSVersion.Major'], { stdio: 'pipe', timeout: 30_000 });
    return 'pwsh';
  } catch {
    // not on PATH: restore the pinned tool
  }
  execFileSync('dotnet', ['tool', 'install', '--tool-path', TOOL_DIR, 'PowerShell', '--version', VERSION], {
    stdio: 'pipe',
    timeout: 180_000,
    env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1' },
  });
  return local;
}

/**
 * Runs a script in a fresh, non-interactive PowerShell with no profile, no telemetry and no update check.
 * Asynchronous on purpose: a server or proxy in the test's own process must go on answering meanwhile.
 */
export function runPowerShell(pwsh: string, script: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      pwsh,
      ['-NoProfile', '-NonInteractive', '-Command', script],
      {
        encoding: 'utf8',
        timeout: 60_000,
        env: { ...process.env, POWERSHELL_TELEMETRY_OPTOUT: '1', POWERSHELL_UPDATECHECK: 'Off', DOTNET_CLI_TELEMETRY_OPTOUT: '1' },
      },
      (err, stdout, stderr) => resolve({ status: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr }),
    );
  });
}
