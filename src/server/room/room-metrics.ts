/**
 * What the room domain reports about itself. The domain calls these hooks; the
 * Prometheus registry (src/server/metrics.ts) implements them, and tests or
 * embedders that do not care pass NO_METRICS.
 */
import type { EndReason } from '../../shared/protocol.js';

export interface RoomMetrics {
  roomCreated(): void;
  roomEnded(reason: EndReason): void;
  joinRejected(reason: 'room_not_found' | 'room_full' | 'wrong_key' | 'not_a_member' | 'too_many_connections'): void;
  messageAccepted(): void;
  messagesDelivered(count: number): void;
  /** Milliseconds from the message's acceptance to its last delivery on this instance. */
  fanOutLatency(ms: number): void;
  rateLimited(kind: 'message' | 'room_create' | 'client_read' | 'api_request'): void;
  connectionOpened(): void;
  connectionClosed(): void;
  localRooms(delta: number): void;
}

export const NO_METRICS: RoomMetrics = {
  roomCreated() {},
  roomEnded() {},
  joinRejected() {},
  messageAccepted() {},
  messagesDelivered() {},
  fanOutLatency() {},
  rateLimited() {},
  connectionOpened() {},
  connectionClosed() {},
  localRooms() {},
};
