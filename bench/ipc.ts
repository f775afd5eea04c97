/**
 * The messages between the benchmark's parent process (bench/run.ts and the
 * scenarios, through GeneratorPool) and its load-generator processes
 * (bench/generator.ts). Plain JSON over the child_process IPC channel.
 */

/** Where one server instance listens: `http://127.0.0.1:port` and `ws://127.0.0.1:port`. */
export interface Endpoint {
  http: string;
  ws: string;
  /** How its WebSocket speaks: Hush's JSON frames (and the relay's), or Socket.IO's packets (the `socketio` reference target). */
  dialect?: 'socketio';
}

export interface SparseHistogram {
  buckets: Array<[number, number]>;
  max: number;
}

export type GeneratorCommand =
  /** Creates `count` rooms through `create` and seats two members in each (HTTP only; no socket yet), tagged `group`. */
  | { type: 'prepare'; group: string; count: number; create: Endpoint; a: Endpoint; b: Endpoint; concurrency: number }
  /** Opens the sockets of every prepared member and waits for each `welcome`. */
  | { type: 'connect'; concurrency: number }
  /** Sends at `rate` messages/s across this generator's rooms of `group` for `durationMs`, then waits up to `drainMs` for deliveries. */
  | { type: 'step'; group: string; step: number; rate: number; durationMs: number; drainMs: number }
  | { type: 'status' }
  /** `pairs` rooms, each: one client creates it, then both join and connect, all at once. */
  | { type: 'storm'; pairs: number; endpoint: Endpoint; timeoutMs: number }
  /** Closes every socket and forgets every room. */
  | { type: 'reset' };

export interface SetupResult {
  ok: number;
  failures: number;
  firstError?: string;
}

export interface StepResult {
  sent: number;
  /** Messages of this step that reached the other member. */
  received: number;
  /** Frames of an earlier step that arrived during this one. */
  late: number;
  acks: number;
  /** Sends skipped because the member's socket was no longer open. */
  sendFailures: number;
  errorFrames: number;
  firstError?: string;
  /** ms from the first to the last send. */
  sendWindowMs: number;
  latency: SparseHistogram;
}

export interface StatusResult {
  open: number;
  unexpectedCloses: number;
  errorFrames: number;
  firstError?: string;
}

export interface StormResult {
  clients: number;
  ok: number;
  failures: number;
  firstError?: string;
  /** ms from the start to the last client's `welcome`. */
  elapsedMs: number;
  /** Per-client time to `welcome`, in µs buckets. */
  perClient: SparseHistogram;
}

export type GeneratorResult = SetupResult | StepResult | StatusResult | StormResult | Record<string, never>;

export interface GeneratorRequest {
  requestId: number;
  command: GeneratorCommand;
}

export type GeneratorReply = { requestId: number; ok: true; result: GeneratorResult } | { requestId: number; ok: false; error: string };
