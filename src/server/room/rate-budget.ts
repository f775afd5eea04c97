/**
 * Spending one point of a rate-limit budget, for both transports. A refusal is
 * an answer (false); a limiter whose store failed (Redis down) is an outage,
 * raised as HushError('unavailable') so traffic is refused, never let through unmetered.
 */
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { storeUnavailable } from './hush-error.js';

export async function spendBudget(limiter: RateLimiterAbstract, key: string): Promise<boolean> {
  try {
    await limiter.consume(key);
    return true;
  } catch (rejection) {
    // rate-limiter-flexible rejects with a RateLimiterRes when over budget, with an Error when its store fails.
    if (rejection instanceof Error) throw storeUnavailable();
    return false;
  }
}

/**
 * The key of a member's read budget in a room, spent by every history page (GET …/messages) and every
 * WebSocket connection, whose replay is a history page too: the two transports share one budget.
 */
export function readBudgetKey(roomId: string, memberId: string): string {
  return `${roomId}:${memberId}:read`;
}
