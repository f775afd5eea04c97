/**
 * Process entry point: reads .env and the environment, validates the config
 * (exit 2 with one clear line if it is wrong), listens, and shuts down
 * gracefully on SIGTERM/SIGINT.
 */
// First, so that V8's settings apply before anything else is loaded.
import './v8-tuning.js';
import { existsSync } from 'node:fs';
import { config as loadDotenv } from 'dotenv';
import { buildServer } from './app.js';
import { ConfigError, describeSettings, loadConfig, type Config } from './config.js';

const USAGE = `Hush — self-destructing, end-to-end encrypted chat rooms.

Usage: npm start [-- --help]      (builds first if the sources changed; --help alone does not)
       node dist/server/main.js [--help]   (a process manager's command, after npm run build)

Settings are read from the environment and from a .env file in the working directory:
`;

async function main(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    // A reader that stops early (`| head`) closes the pipe: that is the end of the help, not a crash.
    process.stdout.on('error', (error: NodeJS.ErrnoException) => process.exit(error.code === 'EPIPE' ? 0 : 1));
    process.stdout.write(`${USAGE}\n${describeSettings()}\n`);
    return;
  }
  if (existsSync('.env')) loadDotenv({ path: '.env', quiet: true });

  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`hush: invalid configuration: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }

  const server = await buildServer(config);
  const address = await server.listen();
  server.app.log.info({ address, engine: server.engine.kind }, `Hush is serving on ${address}`);

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    server.app.log.info({ signal }, 'shutting down');
    const hardStop = setTimeout(() => {
      server.app.log.error('shutdown took too long; exiting');
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT_MS + 5_000);
    hardStop.unref();
    server.close(config.SHUTDOWN_TIMEOUT_MS).then(
      () => process.exit(0),
      (error: unknown) => {
        server.app.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`hush: failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
