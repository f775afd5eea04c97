/**
 * Prometheus metrics (prom-client), one registry per server so several servers
 * in one process (tests) do not collide. Implements the domain's RoomMetrics
 * hooks; process metrics (CPU, memory, event-loop lag) come from prom-client's
 * default collectors, all under the `hush_` prefix.
 */
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { BucketHistogram } from './bucket-histogram.js';
import type { EndReason } from '../shared/protocol.js';
import type { RoomMetrics } from './room/room-metrics.js';
import type { EngineStats } from './store/engine.js';

/** How often prom-client samples the event loop; its lag gauges read about this much on an idle loop. */
export const EVENT_LOOP_SAMPLING_MS = 20;

export interface PrometheusMetrics extends RoomMetrics {
  readonly registry: Registry;
}

export function createPrometheusMetrics(engineStats: () => EngineStats | undefined): PrometheusMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'hush_', eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLING_MS });

  const connections = new Gauge({ name: 'hush_connections_open', help: 'Open member WebSocket connections on this instance.', registers: [registry] });
  const rooms = new Gauge({ name: 'hush_rooms_active', help: 'Rooms with at least one open connection on this instance.', registers: [registry] });
  const created = new Counter({ name: 'hush_rooms_created_total', help: 'Rooms created through this instance.', registers: [registry] });
  const ended = new Counter({
    name: 'hush_rooms_ended_total',
    help: 'Rooms ended, by reason: destroyed (by a member, through this instance) or expired (seen by this instance).',
    labelNames: ['reason'],
    registers: [registry],
  });
  // The two per-message counts are plain numbers, read at scrape time: prom-client's inc() allocates on every call.
  let acceptedCount = 0;
  let deliveredCount = 0;
  countedAtScrape(registry, 'hush_messages_accepted_total', 'Messages stored through this instance (duplicates excluded).', () => acceptedCount);
  countedAtScrape(registry, 'hush_messages_delivered_total', 'Message frames handed to local sockets (one per receiving socket, acks included).', () => deliveredCount);
  const fanOut = new BucketHistogram(
    'hush_fanout_latency_seconds',
    'From a message being accepted by the store to its delivery to the last local socket.',
    [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registry,
  );
  const rejected = new Counter({ name: 'hush_joins_rejected_total', help: 'Refused joins and connections, by reason.', labelNames: ['reason'], registers: [registry] });
  const limited = new Counter({ name: 'hush_rate_limited_total', help: 'Requests or frames refused by a rate limit, by kind.', labelNames: ['kind'], registers: [registry] });
  countedAtScrape(registry, 'hush_store_errors_total', 'Errors talking to the store (Redis); always 0 in memory mode.', () => engineStats()?.errors ?? 0);
  countedAtScrape(registry, 'hush_store_reconnects_total', 'Reconnections to the store (Redis); always 0 in memory mode.', () => engineStats()?.reconnects ?? 0);

  // Known label values start at 0 so dashboards and rate() see them before the first event.
  for (const reason of ['expired', 'destroyed']) ended.inc({ reason }, 0);
  for (const reason of ['room_not_found', 'room_full', 'wrong_key', 'not_a_member']) rejected.inc({ reason }, 0);
  for (const kind of ['message', 'room_create', 'client_read', 'api_request']) limited.inc({ kind }, 0);

  return {
    registry,
    roomCreated: () => created.inc(),
    roomEnded: (reason: EndReason) => ended.inc({ reason }),
    joinRejected: (reason) => rejected.inc({ reason }),
    messageAccepted: () => {
      acceptedCount++;
    },
    messagesDelivered: (count) => {
      deliveredCount += count;
    },
    fanOutLatency: (ms) => fanOut.observe(ms / 1000),
    rateLimited: (kind) => limited.inc({ kind }),
    connectionOpened: () => connections.inc(),
    connectionClosed: () => connections.dec(),
    localRooms: (delta) => rooms.inc(delta),
  };
}

/** A counter whose value is kept elsewhere and read when Prometheus scrapes. */
function countedAtScrape(registry: Registry, name: string, help: string, read: () => number): void {
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      this.reset();
      this.inc(read());
    },
  });
}
