// Whether a build is older than its sources, by modification time. Plain ESM so
// scripts/start.mjs can use it under bare `node`; the bench and the browser
// tests import it too (types in build-freshness.d.mts).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The newest mtime (ms) of a file, or of a directory and everything under it; 0 if it does not exist. */
export function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** True when `output` is missing or something under `inputs` is newer than everything under it. */
export function sourcesChanged(output, inputs) {
  return !existsSync(output) || Math.max(...inputs.map(newestMtime)) > newestMtime(output);
}
