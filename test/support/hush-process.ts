/**
 * Runs Hush as a real child process (`node --import tsx src/server/main.ts`),
 * the way an operator runs it, for tests of signals, exit codes and start-up
 * configuration. Output is captured; the process is killed if a test leaves it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { freePort } from './free-port.js';

export { freePort };

export const REPO = resolve(import.meta.dirname, '../..');
// Absolute, so the child can run from another working directory (e.g. one holding its own .env).
export const TSX_LOADER = pathToFileURL(resolve(REPO, 'node_modules/tsx/dist/loader.mjs')).href;
export const MAIN = resolve(REPO, 'src/server/main.ts');

export interface HushProcess {
  child: ChildProcess;
  port: number;
  baseUrl: string;
  output: () => string;
  /** Resolves with the exit code (or signal name) when the process ends. */
  exited: Promise<number | string>;
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Spawns the server with `env` on top of a minimal environment; does not wait for it to listen. */
export function spawnHush(env: Record<string, string>, args: string[] = [], cwd: string = REPO): HushProcess {
  const port = Number(env.PORT ?? 0);
  const child = spawn(process.execPath, ['--import', TSX_LOADER, MAIN, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', LOG_FORMAT: 'json', NODE_ENV: 'test', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve(code ?? signal ?? 'unknown');
    });
  });
  const scheme = env.TLS_CERT_FILE ? 'https' : 'http';
  return { child, port, baseUrl: `${scheme}://127.0.0.1:${port}`, output: () => output, exited };
}

/** Spawns the server on a free port and waits until /healthz answers. */
export async function startHushProcess(env: Record<string, string> = {}, timeoutMs = 20_000): Promise<HushProcess> {
  const port = await freePort();
  const hush = spawnHush({ PORT: String(port), ...env });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const response = await fetch(`${hush.baseUrl}/healthz`);
      if (response.ok) return hush;
    } catch {
      // not listening yet
    }
    const code = await Promise.race([hush.exited, new Promise((resolve) => setTimeout(() => resolve(undefined), 100))]);
    if (code !== undefined) throw new Error(`hush exited with ${String(code)} before listening:\n${hush.output()}`);
    if (Date.now() > deadline) {
      hush.child.kill('SIGKILL');
      throw new Error(`hush did not listen within ${timeoutMs} ms:\n${hush.output()}`);
    }
  }
}
