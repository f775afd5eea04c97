/**
 * Logger options for Fastify's pino: JSON lines for machines, pretty lines on a
 * developer's terminal. Request and response serializers log method, URL,
 * status and timing only; the redaction list is a second line of defence so a
 * cookie, token or authorization header can never reach a log line.
 */
import { LogController, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import type { Config } from './config.js';
import { roomLogId } from './room/ids.js';

export const REDACTED_PATHS = [
  // Node's clientError (e.g. headers too large) carries the raw request bytes, cookie included.
  'err.rawPacket',
  'req.headers.cookie',
  'req.headers.authorization',
  'res.headers["set-cookie"]',
  'headers.cookie',
  'cookie',
  'token',
  'body',
];

/**
 * A room id is a capability (whoever has it can take a free seat), so request
 * logs keep only its first 4 characters: enough to correlate lines, not to join.
 */
export function maskRoomIds(url: string): string {
  // Whatever stands where a room id goes, however spelt: the router decodes `%66…` into the same id, and
  // `/api/room%73/…` into the same route, so the match is made on the URL so decoded (which is what gets logged).
  return decodeUnreserved(url).replace(/(\/rooms\/|\/r\/|roomId=)([^/?&#]{5,})/g, (_match, before: string, roomId: string) => before + roomLogId(roomId));
}

/**
 * `url` with the percent-escapes of letters, digits and `-._~` decoded: every character of a route's fixed
 * part and of a room id, and none that could change the URL's structure. Unlike decodeURI it never throws,
 * so a malformed escape elsewhere in the URL cannot keep the rest from being decoded.
 */
function decodeUnreserved(url: string): string {
  return url.replace(/%([0-9A-Fa-f]{2})/g, (escape, hex: string) => {
    const char = String.fromCharCode(Number.parseInt(hex, 16));
    return /[A-Za-z0-9._~-]/.test(char) ? char : escape;
  });
}

export function loggerOptions(config: Config): FastifyServerOptions['logger'] {
  const pretty = config.LOG_FORMAT === 'pretty' || (config.LOG_FORMAT === 'auto' && process.stdout.isTTY && process.env.NODE_ENV !== 'production');
  return {
    level: config.LOG_LEVEL,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    serializers: {
      req: (request: FastifyRequest) => ({ method: request.method, url: maskRoomIds(request.url), remoteAddress: request.ip }),
    },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } } } : {}),
  };
}

/**
 * Fastify's per-request lines, at `info` for the API and `debug` for the routes a page load or a
 * probe hits over and over: the web client's files and pages, `/healthz`, `/readyz`, `/metrics`.
 * An operator's log then shows what people do with rooms, not every asset of every page view or
 * every scrape; such a request still shows at `info` when it fails (4xx or 5xx), and errors are
 * logged as before on every route.
 */
export class RequestLogController extends LogController {
  /** Requests whose 'incoming request' line went to debug (a 404 inside the catch-all changes its route before it completes). */
  private readonly routine = new WeakSet<FastifyRequest>();

  override incomingRequest(request: FastifyRequest, reply: FastifyReply): void {
    if (!isRoutine(request)) return super.incomingRequest(request, reply);
    this.routine.add(request);
    if (!this.isLogDisabled(request)) request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (!this.routine.has(request)) return super.requestCompleted(error, request, reply);
    if (this.isLogDisabled(request)) return;
    const responseTime = reply.elapsedTime;
    // A failure's line names the request itself, whose 'incoming request' line went to debug.
    if (error) reply.log.error({ req: request, res: reply, err: error, responseTime }, 'request errored');
    else if (reply.statusCode >= 400) reply.log.info({ req: request, res: reply, responseTime }, 'request completed');
    else reply.log.debug({ res: reply, responseTime }, 'request completed');
  }
}

/** Routes whose successful requests are routine: the web client's catch-all and the operator's probes. */
const ROUTINE_ROUTES: ReadonlySet<string> = new Set(['/*', '/healthz', '/readyz', '/metrics']);

function isRoutine(request: FastifyRequest): boolean {
  return ROUTINE_ROUTES.has(request.routeOptions.url ?? '');
}
