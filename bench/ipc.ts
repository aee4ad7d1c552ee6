/**
 * The bench's processes talk over Node's IPC channel: the orchestrator sends a command with an id,
 * the child answers with the same id. Each load generator and the function host is its own process,
 * so each one's process.cpuUsage() covers its own work only.
 */
import { fork, type ChildProcess } from 'node:child_process';

export interface Command {
  op: string;
  [key: string]: unknown;
}

interface Envelope {
  id: number;
  command: Command;
}

interface Reply {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}

export interface BenchChild {
  child: ChildProcess;
  call<T>(command: Command): Promise<T>;
  stop(): Promise<void>;
}

/** Forks a bench child and waits for its first message ({ready: true, ...}), which it returns. */
export async function forkChild(
  script: string,
  options: { env?: NodeJS.ProcessEnv; execArgv?: string[] } = {},
): Promise<{ worker: BenchChild; ready: Record<string, unknown> }> {
  const child = fork(script, [], {
    env: options.env ?? process.env,
    execArgv: options.execArgv ?? [],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  // The child's output, for error messages: only its last 64 KiB, so a chatty child costs nothing here.
  let output = '';
  const keep = (c: Buffer) => (output = (output + c.toString()).slice(-65_536));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  let nextId = 1;
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not start:\n${output}`)), 30_000);
    child.once('message', (m) => {
      clearTimeout(timer);
      resolve(m as Record<string, unknown>);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${code}:\n${output}`));
    });
  });
  child.on('message', (m) => {
    const reply = m as Reply;
    const p = pending.get(reply.id);
    if (!p) return;
    pending.delete(reply.id);
    if (reply.ok) p.resolve(reply.result);
    else p.reject(new Error(`${script}: ${reply.error}`));
  });
  child.on('exit', (code, signal) => {
    for (const p of pending.values()) p.reject(new Error(`${script} exited (${code ?? signal}):\n${output.slice(-2000)}`));
    pending.clear();
  });
  const worker: BenchChild = {
    child,
    call<T>(command: Command): Promise<T> {
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        child.send({ id, command } satisfies Envelope);
      });
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
      }),
  };
  return { worker, ready };
}

/** The child's side: answers each command with handle's result, or its error message. */
export function serveCommands(handle: (command: Command) => Promise<unknown>, ready: Record<string, unknown> = {}): void {
  if (!process.send) throw new Error('a bench child must be started with an IPC channel (bench/run.ts does that)');
  process.on('message', (m) => {
    const { id, command } = m as Envelope;
    handle(command).then(
      (result) => process.send!({ id, ok: true, result } satisfies Reply),
      (err: unknown) =>
        process.send!({ id, ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) } satisfies Reply),
    );
  });
  process.send({ ready: true, ...ready });
  // Exit when the orchestrator goes away, so no bench process outlives a crashed run.
  process.on('disconnect', () => process.exit(0));
}
