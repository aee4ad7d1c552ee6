import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { freePort } from '../../dev/azurite';
import { APP_ROOT } from './runner';

/**
 * `npm start` run as a user runs it: the real npm script (build, then dist/dev/start.js), in a process
 * group of its own as a terminal gives it, so a test can signal the whole group like Ctrl-C does.
 */
export interface NpmStart {
  /** npm's pid, which is also the process group id. */
  pgid: number;
  npm: ChildProcess;
  url: string;
  /** The pid of dist/dev/start.js. */
  startPid: number;
  /** The pid of Azurite's process (its own process group). */
  azuritePid: number;
  /** Milliseconds from spawning npm to "Graph mock ready". */
  readyMs: number;
  output(): string;
}

export interface NpmStartOptions {
  location: string;
  args?: string[];
  env?: Record<string, string>;
}

interface ProcessInfo {
  pid: number;
  ppid: number;
  pgid: number;
  state: string;
  args: string;
}

/** Every live process (zombies excluded), from /proc. */
export function processes(): ProcessInfo[] {
  const found: ProcessInfo[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so split after the last ')'.
      const [state, ppid, pgid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (state === 'Z' || state === 'X') continue;
      const args = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' ').trim();
      found.push({ pid: Number(name), ppid: Number(ppid), pgid: Number(pgid), state: state!, args });
    } catch {
      // gone while we looked
    }
  }
  return found;
}

export function alive(pid: number): boolean {
  return processes().some((p) => p.pid === pid);
}

/** The processes a run left: its process group, and Azurite (which has a group of its own). */
export function leftOver(run: NpmStart): ProcessInfo[] {
  return processes().filter((p) => p.pgid === run.pgid || p.pid === run.azuritePid || p.pgid === run.azuritePid);
}

export async function waitUntilGone(run: NpmStart, timeoutMs: number): Promise<{ ms: number; left: ProcessInfo[] }> {
  const began = Date.now();
  for (;;) {
    const left = leftOver(run);
    if (left.length === 0 || Date.now() - began > timeoutMs) return { ms: Date.now() - began, left };
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function startNpm(options: NpmStartOptions): Promise<NpmStart> {
  const [port, tablePort] = [await freePort(), await freePort()];
  const env: NodeJS.ProcessEnv = { ...process.env };
  // The jest environment points the app at the shared test Azurite; npm start must start its own.
  for (const name of ['ASSIGNMENTS_STORAGE', 'ASSIGNMENTS_STORAGE__tableServiceUri', 'RUNNER_TLS_CERT', 'RUNNER_TLS_KEY']) delete env[name];
  const began = Date.now();
  const npm = spawn('npm', ['start', ...(options.args?.length ? ['--', ...options.args] : [])], {
    cwd: APP_ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...env,
      PORT: String(port),
      AZURITE_TABLE_PORT: String(tablePort),
      AZURITE_LOCATION: options.location,
      START_HOST: 'runner',
      ...options.env,
    },
  });
  let output = '';
  npm.stdout.on('data', (c: Buffer) => (output += c.toString()));
  npm.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start was not ready within 90 s:\n${output}`)), 90_000);
    const check = () => {
      const ready = /Graph mock ready on (\S+)/.exec(output);
      if (ready) {
        clearTimeout(timer);
        resolve(ready[1]!);
      }
    };
    npm.stdout.on('data', check);
    npm.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited (${signal ?? code}) before it was ready:\n${output}`));
    });
  });
  const readyMs = Date.now() - began;
  const azuritePid = Number(/Azurite \(pid (\d+)/.exec(output)?.[1]);
  const startPid = processes().find((p) => p.pgid === npm.pid && p.args.includes('dist/dev/start.js'))?.pid;
  if (!azuritePid || !startPid) throw new Error(`could not find start.js and Azurite among the processes:\n${output}`);
  return { pgid: npm.pid!, npm, url, startPid, azuritePid, readyMs, output: () => output };
}

/** Ends whatever a failed test left running: only this run's processes, by pid. */
export function killLeftOver(run: NpmStart | undefined): void {
  if (!run) return;
  for (const p of leftOver(run)) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
