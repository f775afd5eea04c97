/**
 * Serves the web client (the Vite build in dist/client) and puts security
 * headers on every response, API included: a strict Content-Security-Policy
 * (scripts, styles, fonts and connections from this origin only; no inline
 * script or style element; no framing), `Referrer-Policy: no-referrer` (a
 * room URL must not leak in a Referer), and helmet's other defaults.
 *
 * Pages are `/` (lobby) and `/r/<roomId>` (a room: the key is in the
 * fragment, which never reaches us). A GET of either only returns the page;
 * taking a seat is the page's own POST. Other GETs that want HTML get the
 * page with 404, which then shows "nothing here". /api/* and /ws keep the
 * API's JSON 404.
 */
import { existsSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import helmet from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { matchPagePath } from '../../shared/page-path.js';
import { ROOM_ID_PATTERN } from '../../shared/protocol.js';
import type { Config } from '../config.js';

export interface WebClientOptions {
  /** Directory of the built client; by default dist/client of this checkout. */
  root?: string;
}

/** dist/client, whether this module runs from src/server/http (tsx) or dist/server/http (built). */
function defaultClientRoot(): string {
  const candidates = [new URL('../../../dist/client/', import.meta.url), new URL('../../client/', import.meta.url)].map((url) => fileURLToPath(url));
  return candidates.find((dir) => existsSync(join(dir, 'index.html'))) ?? candidates[0]!;
}

const NOT_BUILT =
  'The Hush web client has not been built yet.\n\nRun `npm run build:client` (or `npm start`, which builds it when needed), then reload this page.\n';

/** A Host header is client-controlled: only a plain host[:port] may go into the CSP. */
const SAFE_HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

const SAFE_FILE_PATH = /^\/[A-Za-z0-9._/-]+$/;

function isPagePath(path: string): boolean {
  const page = matchPagePath(path);
  return page !== null && (page.page === 'lobby' || ROOM_ID_PATTERN.test(page.rawId));
}

function wantsHtml(request: FastifyRequest): boolean {
  const accept = request.headers.accept;
  return accept === undefined || accept.includes('text/html') || accept.includes('*/*');
}

export async function registerWebClient(app: FastifyInstance, config: Config, options: WebClientOptions = {}): Promise<void> {
  const root = options.root ?? defaultClientRoot();

  const webSocketSource = (request: IncomingMessage): string => {
    const host = request.headers.host;
    if (!host || !SAFE_HOST.test(host)) return "'self'";
    const forwarded = config.TRUST_PROXY ? String(request.headers['x-forwarded-proto'] ?? '').split(',')[0]?.trim() : undefined;
    const secure = forwarded ? forwarded === 'https' : 'encrypted' in request.socket && request.socket.encrypted === true;
    // CSP Level 3 lets 'self' cover ws(s) of this host; older Safari needs it spelled out.
    return `${secure ? 'wss' : 'ws'}://${host}`;
  };

  await app.register(helmet, {
    global: true,
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'", (request) => webSocketSource(request as IncomingMessage)],
        manifestSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        scriptSrcAttr: ["'none'"],
      },
    },
    referrerPolicy: { policy: 'no-referrer' },
    frameguard: { action: 'deny' },
    // HSTS is app.ts's job: it sends it only on https, where it means something.
    strictTransportSecurity: false,
  });
  app.addHook('onRequest', async (_request, reply) => {
    reply.header('Permissions-Policy', 'camera=(), microphone=(), geolocation=(), payment=(), usb=()');
  });

  // serve: false — routes are ours (below); the plugin lends reply.sendFile with its path-traversal checks.
  await app.register(fastifyStatic, { root, serve: false });

  const sendPage = (reply: FastifyReply, status: number) => {
    if (!existsSync(join(root, 'index.html'))) return reply.code(503).type('text/plain; charset=utf-8').send(NOT_BUILT);
    // The page is tiny and names the current hashed assets: always revalidate it.
    return reply.code(status).header('cache-control', 'no-cache').sendFile('index.html', { cacheControl: false });
  };

  app.get('/*', async (request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    if (path.startsWith('/api/') || path === '/api' || path === '/ws') return reply.callNotFound();
    if (isPagePath(path)) return sendPage(reply, 200);
    if (/\.[A-Za-z0-9]+$/.test(path)) {
      // Build output has plain names only; anything else (.., encodings) is not a file of ours.
      if (!SAFE_FILE_PATH.test(path) || path.split('/').includes('..')) return reply.callNotFound();
      // Content-hashed build output never changes under its name.
      const immutable = path.startsWith('/assets/');
      return reply.sendFile(path, { maxAge: immutable ? '365d' : '1h', immutable });
    }
    if (wantsHtml(request)) return sendPage(reply, 404);
    return reply.callNotFound();
  });
}
