/**
 * Logger options for Fastify's pino: JSON lines for machines, pretty lines on a
 * developer's terminal. Request and response serializers log method, URL,
 * status and timing only; the redaction list is a second line of defence so a
 * cookie, token or authorization header can never reach a log line.
 */
import type { FastifyServerOptions } from 'fastify';
import type { Config } from './config.js';

export const REDACTED_PATHS = [
  'req.headers.cookie',
  'req.headers.authorization',
  'res.headers["set-cookie"]',
  'headers.cookie',
  'cookie',
  'token',
  'body',
];

export function loggerOptions(config: Config): FastifyServerOptions['logger'] {
  const pretty = config.LOG_FORMAT === 'pretty' || (config.LOG_FORMAT === 'auto' && process.stdout.isTTY && process.env.NODE_ENV !== 'production');
  return {
    level: config.LOG_LEVEL,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } } } : {}),
  };
}
