/**
 * A client address's budget of history bytes read (CLIENT_READ_LIMIT_KIB per window), which history
 * pages (GET …/messages) and WebSocket replays share: history costs the server its size to read,
 * and seats and rooms are free to take, so a budget per member alone would grow with them.
 *
 * A read pays 1 KiB up front, refused once the budget is spent, and the rest once its size is
 * known; reads of one client run at most READS_IN_FLIGHT_PER_CLIENT at a time on an instance
 * (ReadSlots), so that reads in flight together cannot outrun each other's charges by more than that.
 */
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { frameByteLength, type MessageFrame } from '../store/room-bus.js';
import { spendBudget } from './rate-budget.js';
import { READS_IN_FLIGHT_PER_CLIENT, ReadSlots } from './read-slots.js';
import type { RoomMetrics } from './room-metrics.js';

export type BudgetedRead<T> = { result: T } | { retryAfterMs: number };

export class ClientReadBudget {
  private readonly slots = new ReadSlots(READS_IN_FLIGHT_PER_CLIENT);

  constructor(
    /** Points are KiB (CLIENT_READ_LIMIT_KIB), shared across instances on Redis. */
    private readonly limiter: RateLimiterAbstract,
    private readonly metrics: RoomMetrics,
  ) {}

  /**
   * Runs `read` in one of the client's slots if its budget has room, and charges the frames it read
   * (`framesOf` its result) before answering; or, with the budget spent, says when it renews. Rejects
   * with HushError('unavailable') if the limiter's store fails, or with whatever `read` rejects with.
   */
  read<T>(clientKey: string, read: () => Promise<T>, framesOf: (result: T) => readonly MessageFrame[]): Promise<BudgetedRead<T>> {
    return this.slots.run(clientKey, async () => {
      const retryAfterMs = await spendBudget(this.limiter, clientKey);
      if (retryAfterMs !== undefined) {
        this.metrics.rateLimited('client_read');
        return { retryAfterMs };
      }
      const result = await read();
      await this.charge(clientKey, framesOf(result));
      return { result };
    });
  }

  /** The rest of a read, past the KiB paid up front. If the store fails here, the charge is lost, not the read. */
  private async charge(clientKey: string, frames: readonly MessageFrame[]): Promise<void> {
    let bytes = 0;
    for (const frame of frames) bytes += frameByteLength(frame);
    const rest = Math.ceil(bytes / 1024) - 1;
    if (rest > 0) await this.limiter.penalty(clientKey, rest).catch(() => undefined);
  }
}
