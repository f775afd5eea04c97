/**
 * Spending one point of a rate-limit budget, for both transports. A refusal is
 * an answer (how long until the budget renews); a limiter whose store failed
 * (Redis down) is an outage, raised as HushError('unavailable') so traffic is
 * refused, never let through unmetered.
 */
import type { RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible';
import { storeUnavailable } from './hush-error.js';

/**
 * Spends one point of `key`'s budget. Resolves to undefined when the point was spent, or, when the
 * budget is used up, to the milliseconds until it has a point again (at least 1), for the refusal's
 * `retryAfterMs` so that a client can wait instead of piling up refusals.
 */
export async function spendBudget(limiter: RateLimiterAbstract, key: string): Promise<number | undefined> {
  try {
    await limiter.consume(key);
    return undefined;
  } catch (rejection) {
    // rate-limiter-flexible rejects with a RateLimiterRes when over budget, with an Error when its store fails.
    if (rejection instanceof Error) throw storeUnavailable();
    return Math.max(1, Math.ceil((rejection as RateLimiterRes).msBeforeNext));
  }
}

/**
 * The key of a member's read budget in a room, spent by every history page (GET …/messages) and every
 * WebSocket connection, whose replay is a history page too: the two transports share one budget.
 */
export function readBudgetKey(roomId: string, memberId: string): string {
  return `${roomId}:${memberId}:read`;
}
