/**
 * Builds the web client (src/client) into dist/client, which the server
 * serves (src/server/http/web-client.ts). `npm run build:client` runs this;
 * `npx vite` serves the client with the API proxied to a server on :3000.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import tailwindcss from '@tailwindcss/vite';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

const require = createRequire(import.meta.url);

/**
 * Ships emojibase-data's English files with the build, at /emojibase/en/…, so
 * the emoji picker loads them from Hush itself: the CSP forbids CDNs, and a
 * request to a CDN would tell it who is using Hush.
 */
function emojibaseData(): Plugin {
  const files = ['en/data.json', 'en/messages.json'];
  return {
    name: 'hush:emojibase-data',
    generateBundle() {
      for (const file of files) {
        this.emitFile({ type: 'asset', fileName: `emojibase/${file}`, source: readFileSync(require.resolve(`emojibase-data/${file}`)) });
      }
    },
    configureServer(server) {
      server.middlewares.use((request, response, next) => {
        const file = files.find((name) => request.url === `/emojibase/${name}`);
        if (!file) return next();
        response.setHeader('content-type', 'application/json');
        response.end(readFileSync(require.resolve(`emojibase-data/${file}`)));
      });
    },
  };
}

export default defineConfig({
  root: 'src/client',
  plugins: [react(), tailwindcss(), emojibaseData()],
  build: {
    outDir: '../../dist/client',
    emptyOutDir: true,
    // The polyfill would be an inline script, which the CSP forbids; every supported browser has modulepreload.
    modulePreload: { polyfill: false },
    // Never inline assets as data: URIs into scripts or styles the CSP must then allow.
    assetsInlineLimit: 0,
  },
  server: {
    proxy: {
      '/api': 'http://localhost:3000',
      '/ws': { target: 'ws://localhost:3000', ws: true },
    },
  },
});
