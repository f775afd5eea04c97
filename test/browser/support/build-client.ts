/**
 * Makes sure dist/client holds a build of the current client sources before
 * a browser test starts a server on it. Test files run in parallel workers,
 * so the check-and-build runs under a lock directory (mkdir is atomic): one
 * worker builds, the others wait and then find the build fresh.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { sourcesChanged } from '../../../scripts/build-freshness.mjs';

const repo = resolve(import.meta.dirname, '../../..');
const builtIndex = join(repo, 'dist/client/index.html');
const lockDir = join(repo, 'dist/.client-build-lock');
const SOURCES = ['src/client', 'src/shared', 'vite.config.ts', 'package-lock.json'];

function isFresh(): boolean {
  return !sourcesChanged(builtIndex, SOURCES.map((source) => join(repo, source)));
}

async function withLock<T>(work: () => T): Promise<T> {
  mkdirSync(join(repo, 'dist'), { recursive: true });
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(lockDir);
      break;
    } catch {
      // A lock older than any build is left over from a killed run.
      if (existsSync(lockDir) && Date.now() - statSync(lockDir).mtimeMs > 120_000) rmSync(lockDir, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lockDir}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  try {
    return work();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

export async function ensureClientBuilt(): Promise<void> {
  if (isFresh()) return;
  await withLock(() => {
    if (isFresh()) return;
    execFileSync(process.execPath, [join(repo, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], {
      cwd: repo,
      stdio: 'inherit',
      // vitest sets NODE_ENV=test, which would make Vite bundle React's development build.
      env: { ...process.env, NODE_ENV: 'production' },
    });
  });
}
