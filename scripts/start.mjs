// `npm start`: builds the server and the web client if the build is missing or
// older than the sources, then runs the server. Keeps `npm install && npm start`
// a one-step install with no separate build command to remember.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { sourcesChanged } from './build-freshness.mjs';

function canImport(specifier) {
  try {
    import.meta.resolve(specifier);
    return true;
  } catch {
    return false;
  }
}

function run(script) {
  const result = spawnSync('npm', ['run', '--silent', script], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

const serverEntry = 'dist/server/main.js';
const serverSources = ['src/server', 'src/shared'];

// `--help` needs no build: with tsx installed (a dev dependency, there after `npm install`), it is read
// from the sources in a second, where a build would first take several.
if (process.argv.slice(2).some((arg) => arg === '--help' || arg === '-h') && sourcesChanged(serverEntry, serverSources) && canImport('tsx')) {
  const help = spawnSync(process.execPath, ['--import', 'tsx', 'src/server/main.ts', '--help'], { stdio: 'inherit' });
  process.exit(help.status ?? 1);
}

if (sourcesChanged(serverEntry, serverSources)) run('build:server');
if (existsSync('vite.config.ts') && sourcesChanged('dist/client/index.html', ['src/client', 'src/shared', 'vite.config.ts', 'package-lock.json'])) run('build:client');

// The server handles SIGTERM/SIGINT itself (graceful shutdown); pass them on and exit with its code.
const server = spawn(process.execPath, [serverEntry, ...process.argv.slice(2)], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal));
server.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

// `kill <npm's pid>` reaches only the shell npm runs this script in, which dies without passing the
// signal on, leaving this process and the server running with the port held. Orphaned (the parent
// changed), stop the server as SIGTERM would.
const parent = process.ppid;
const orphanCheck = setInterval(() => {
  if (process.ppid === parent) return;
  clearInterval(orphanCheck);
  server.kill('SIGTERM');
}, 1000);
