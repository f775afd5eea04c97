/**
 * Server configuration: one zod schema over the environment, validated once at
 * start-up and frozen. Each setting's default and meaning live here and nowhere
 * else; `npm start -- --help` and the README table are printed from SETTINGS.
 */
import { isIP } from 'node:net';
import { z } from 'zod';

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
/**
 * Which proxies to believe, in Fastify's terms: false, true (every hop: only when the proxy
 * overwrites X-Forwarded-For), a hop count (1 = the nearest proxy's view: safe with proxies
 * that append), or a comma list of proxy addresses/CIDRs.
 */
const trustProxy = z
  .string()
  .trim()
  .transform((value, context): boolean | number | string => {
    if (value === 'true' || value === 'yes') return true;
    if (value === 'false' || value === 'no' || value === '' || value === '0') return false;
    if (/^[1-9]\d{0,1}$/.test(value)) return Number(value);
    const parts = value.split(',').map((part) => part.trim());
    if (parts.every((part) => /^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(part) && (isIP(part.split('/')[0]!) !== 0))) return parts.join(',');
    context.addIssue({ code: 'custom', message: 'must be true, false, a hop count (1-99), or a comma list of proxy IPs/CIDRs' });
    return z.NEVER;
  });
const optionalText = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

const redisUrl = optionalText.refine((value) => value === undefined || /^rediss?:\/\/[^\s]+$/.test(value), 'must be a redis:// or rediss:// URL');
/** Seed nodes of a Redis Cluster; an item may carry credentials/TLS as redis[s]://user:password@host:port. */
const clusterNodes = optionalText.refine(
  (value) => value === undefined || value.split(',').every((node) => /^(rediss?:\/\/([^@\s]*@)?)?[A-Za-z0-9.:[\]-]+:\d{1,5}$/.test(node.trim())),
  'must be a comma-separated list of host:port',
);

/** Rooms end by timers, and Node's timers hold at most 2^31−1 ms (about 24.8 days). */
const MAX_TTL_SECONDS = 2_147_483;

interface Setting {
  schema: z.ZodType;
  default?: string;
  help: string;
  /** May hold a credential: an error names the variable but never echoes its value. */
  secret?: boolean;
}

/** Every environment variable Hush reads, with its default and a one-line description. */
export const SETTINGS = {
  PORT: { schema: int(0, 65535), default: '3000', help: 'TCP port to listen on (0 picks a free one).' },
  HOST: { schema: z.string().min(1), default: 'localhost', help: 'Interface to bind; 0.0.0.0 or :: to accept remote clients.' },
  ROOM_TTL_SECONDS: { schema: int(1, MAX_TTL_SECONDS), default: '600', help: 'Lifetime of a room when the creator does not choose one (the lobby preselects it).' },
  ROOM_TTL_MIN_SECONDS: { schema: int(1, MAX_TTL_SECONDS), default: '60', help: 'Shortest lifetime a creator may choose.' },
  ROOM_TTL_MAX_SECONDS: { schema: int(1, MAX_TTL_SECONDS), default: '86400', help: 'Longest lifetime a creator may choose.' },
  ROOM_CAPACITY: { schema: int(2, 1000), default: '2', help: 'Seats in a room when the creator does not choose (the lobby preselects it).' },
  ROOM_CAPACITY_MAX: { schema: int(2, 1000), default: '16', help: 'Most seats a creator may choose.' },
  HISTORY_LIMIT: { schema: int(1, 100_000), default: '500', help: 'Messages kept per room; older ones are dropped.' },
  HISTORY_MAX_BYTES: { schema: int(1024, 1_073_741_824), default: '2097152', help: 'Bytes of history kept per room (about the size of the stored frames); older messages are dropped.' },
  MEMORY_MAX_HISTORY_BYTES: {
    schema: int(1_048_576, 1_099_511_627_776),
    default: '536870912',
    help: 'Memory mode: bytes of history all rooms together may keep (their buffers take up to about twice that plus three 16 KiB chunks per room, at least 1 KiB per room with messages); past it, the room holding the most gives up its oldest messages for a send in a room holding less, and its own sends get server_full.',
  },
  MESSAGE_MAX_BYTES: { schema: int(256, 1_048_576), default: '16384', help: 'Largest WebSocket frame or message request body, in bytes.' },
  ALLOWED_ORIGINS: { schema: optionalText, help: "Comma-separated origins allowed to change state, each `scheme://host[:port]` (default: the server's own origin)." },
  ROOM_CREATE_LIMIT: { schema: int(1, 1_000_000), default: '30', help: 'Rooms one client (an IPv4 address, or an IPv6 /64) may create per ROOM_CREATE_WINDOW_SECONDS.' },
  ROOM_CREATE_WINDOW_SECONDS: { schema: int(1, 86_400), default: '60', help: 'Window of the room-creation rate limit.' },
  API_REQUEST_LIMIT: {
    schema: int(1, 1_000_000),
    default: '600',
    help: 'Requests to /api/ one client (an IPv4 address, or an IPv6 /64) may make per API_REQUEST_WINDOW_SECONDS, whatever the route; WebSocket frames have their own budgets.',
  },
  API_REQUEST_WINDOW_SECONDS: { schema: int(1, 86_400), default: '60', help: 'Window of the per-client API request limit.' },
  MESSAGE_RATE_LIMIT: { schema: int(1, 1_000_000), default: '20', help: 'Frames (send or typing) one member may send per MESSAGE_RATE_WINDOW_SECONDS; also its budget of history reads and connections per window, and (at least 32) the frames one socket may have awaiting the store.' },
  MESSAGE_RATE_WINDOW_SECONDS: { schema: int(1, 3600), default: '5', help: 'Window of the per-member message rate limit.' },
  CLIENT_READ_LIMIT_KIB: {
    schema: int(1, 1_073_741_824),
    default: '32768',
    help: 'KiB of history one client (an IPv4 address, or an IPv6 /64) may read per MESSAGE_RATE_WINDOW_SECONDS, history pages and WebSocket replays together, whatever rooms and seats it holds; past it, both get rate_limited.',
  },
  RATE_LIMIT_STRIKES: { schema: int(1, 1000), default: '10', help: 'Frames in a row refused by the rate limit (rate_limited) after which the socket is closed with 1008.' },
  MAX_CONNECTIONS_PER_CLIENT: {
    schema: int(1, 1_000_000),
    default: '500',
    help: 'WebSocket connections one client (an IPv4 address, or an IPv6 /64) may hold open on an instance; more get 429 too_many_connections.',
  },
  MAX_SOCKETS_PER_MEMBER: { schema: int(1, 1000), default: '8', help: 'Open WebSockets one member may hold in one room on one instance (tabs, devices).' },
  PING_INTERVAL_MS: { schema: int(100, 600_000), default: '30000', help: 'WebSocket ping interval; a peer whose pong does not echo the previous ping is dropped.' },
  SEND_BUFFER_LIMIT_BYTES: { schema: int(1024, 1_073_741_824), default: '4194304', help: 'A socket whose unsent data passes this is dropped (slow consumer).' },
  SHUTDOWN_TIMEOUT_MS: { schema: int(0, 600_000), default: '10000', help: 'On SIGTERM/SIGINT, how long open sockets get to close before the process exits.' },
  TRUST_PROXY: { schema: trustProxy, default: 'false', help: 'Believe X-Forwarded-For/-Proto: true, a hop count (1 = one proxy in front), or proxy IPs/CIDRs.' },
  REDIS_URL: { schema: redisUrl, secret: true, help: 'redis://… (or rediss://) to keep state in Redis and fan out over pub/sub (scale-out mode).' },
  REDIS_CLUSTER_NODES: { schema: clusterNodes, secret: true, help: 'host:port,host:port,… of a Redis Cluster (instead of REDIS_URL): cluster mode, sharded pub/sub.' },
  REDIS_APPEND_WINDOW_MS: {
    schema: int(0, 50),
    default: '1',
    help: 'With one Redis (REDIS_URL): how long sends gather into one append call, one round trip; 0 sends each event-loop turn\'s at once. Less CPU here and in Redis, up to this much more latency.',
  },
  LOG_LEVEL: { schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']), default: 'info', help: 'pino log level.' },
  LOG_FORMAT: { schema: z.enum(['auto', 'json', 'pretty']), default: 'auto', help: 'json, pretty, or auto: pretty on a terminal unless NODE_ENV=production.' },
  METRICS_TOKEN: { schema: optionalText, secret: true, help: 'If set, GET /metrics requires "Authorization: Bearer <token>"; if unset, it answers only local requests to a loopback name (localhost or a name under it, a loopback address) with no forwarding header, and none when TRUST_PROXY is set.' },
  TLS_CERT_FILE: { schema: optionalText, help: 'PEM certificate (chain) to serve HTTPS/WSS directly; needs TLS_KEY_FILE.' },
  TLS_KEY_FILE: { schema: optionalText, help: 'PEM private key for TLS_CERT_FILE.' },
} satisfies Record<string, Setting>;

export type SettingName = keyof typeof SETTINGS;

type ParsedSettings = { [K in SettingName]: z.output<(typeof SETTINGS)[K]['schema']> };

export interface Config extends Readonly<ParsedSettings> {
  /** Parsed ALLOWED_ORIGINS; undefined means "same origin as the request's Host". */
  readonly allowedOrigins: readonly string[] | undefined;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    detail: string,
  ) {
    super(`${variable}: ${detail}`);
    this.name = 'ConfigError';
  }
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'too_small') return `must be at least ${String(issue.minimum)}`;
  if (issue.code === 'too_big') return `must be at most ${String(issue.maximum)}`;
  if (issue.code === 'invalid_value') return `must be one of ${issue.values.map(String).join(', ')}`;
  if (issue.code === 'invalid_type') return `must be ${issue.expected === 'number' ? 'an integer' : issue.expected}`;
  return issue.message;
}

/** Reads every setting from `env`, applying defaults; throws ConfigError naming the first bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed: Record<string, unknown> = {};
  for (const [name, setting] of Object.entries(SETTINGS) as [SettingName, Setting][]) {
    const raw = env[name] ?? setting.default;
    const result = setting.schema.safeParse(raw);
    if (!result.success) {
      const issue = result.error.issues[0];
      const got = setting.secret ? '' : ` (got ${JSON.stringify(raw)})`;
      throw new ConfigError(name, `${issue ? describeIssue(issue) : 'invalid'}${got}`);
    }
    parsed[name] = result.data;
  }
  const config = parsed as ParsedSettings;
  checkRange(config, 'ROOM_TTL_SECONDS', config.ROOM_TTL_MIN_SECONDS, config.ROOM_TTL_MAX_SECONDS);
  checkRange(config, 'ROOM_CAPACITY', 2, config.ROOM_CAPACITY_MAX);
  if (Boolean(config.TLS_CERT_FILE) !== Boolean(config.TLS_KEY_FILE)) {
    throw new ConfigError(config.TLS_CERT_FILE ? 'TLS_KEY_FILE' : 'TLS_CERT_FILE', 'must be set together with the other TLS_*_FILE setting');
  }
  if (config.ROOM_TTL_MIN_SECONDS > config.ROOM_TTL_MAX_SECONDS) {
    throw new ConfigError('ROOM_TTL_MIN_SECONDS', `must not exceed ROOM_TTL_MAX_SECONDS (${config.ROOM_TTL_MAX_SECONDS})`);
  }
  if (config.REDIS_URL && config.REDIS_CLUSTER_NODES) {
    throw new ConfigError('REDIS_CLUSTER_NODES', 'set either REDIS_URL (one Redis) or REDIS_CLUSTER_NODES (a cluster), not both');
  }
  const allowedOrigins = config.ALLOWED_ORIGINS?.split(',')
    .map((origin) => origin.trim())
    .filter(Boolean)
    .map(toOrigin);
  return Object.freeze({ ...config, allowedOrigins });
}

/**
 * An ALLOWED_ORIGINS entry as browsers send it in `Origin` (scheme and host lower-case, no default
 * port, no path). Anything else would be accepted here and then refuse every browser at run time.
 */
function toOrigin(entry: string): string {
  const problem = `"${entry}" is not an origin like https://chat.example.org (scheme, host, optional port, nothing else)`;
  if (!URL.canParse(entry)) throw new ConfigError('ALLOWED_ORIGINS', problem);
  const url = new URL(entry);
  const bare = url.pathname === '/' && !url.search && !url.hash && !url.username && !url.password;
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !bare) throw new ConfigError('ALLOWED_ORIGINS', problem);
  return url.origin;
}

function checkRange(config: ParsedSettings, name: 'ROOM_TTL_SECONDS' | 'ROOM_CAPACITY', min: number, max: number): void {
  const value = config[name];
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max} (got ${value})`);
}

/** Test and embedding helper: defaults overlaid with the given values. */
export function configWith(overrides: Partial<Record<SettingName, string | number | boolean>> = {}): Config {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(overrides)) env[name] = String(value);
  return loadConfig(env);
}

/** One line per setting: name, default, description; used by `--help`. */
export function describeSettings(): string {
  const rows = Object.entries(SETTINGS).map(([name, setting]) => {
    const fallback = 'default' in setting ? setting.default : '(unset)';
    return `  ${name.padEnd(28)} ${String(fallback).padEnd(10)} ${setting.help}`;
  });
  return [`  ${'VARIABLE'.padEnd(28)} ${'DEFAULT'.padEnd(10)} MEANING`, ...rows].join('\n');
}
