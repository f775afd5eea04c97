/**
 * The lifetimes and sizes the lobby offers: a fixed ladder of familiar values,
 * cut to the range this server accepts (GET /api/limits), with the server's
 * minimum, default and maximum always among them.
 */
import type { RoomLimits } from '../../shared/protocol.js';

type ChoiceRange = RoomLimits['ttlSeconds'];

const MINUTE = 60;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const LIFETIME_LADDER = [MINUTE, 5 * MINUTE, 10 * MINUTE, 30 * MINUTE, HOUR, 3 * HOUR, 12 * HOUR, DAY, 3 * DAY, 7 * DAY, 30 * DAY];
const SIZE_LADDER = [2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 16, 20, 25, 32, 50, 100, 250, 500, 1000];

/** What the server says when asked nothing: until its answer arrives (or if it never does), the lobby offers these. */
export const DEFAULT_LIMITS: RoomLimits = {
  ttlSeconds: { default: 10 * MINUTE, min: MINUTE, max: DAY },
  capacity: { default: 2, min: 2, max: 16 },
};

function within(ladder: readonly number[], range: ChoiceRange): number[] {
  const picked = ladder.filter((value) => value >= range.min && value <= range.max);
  return [...new Set([range.min, ...picked, range.default, range.max])].sort((a, b) => a - b);
}

export const lifetimeChoices = (limits: RoomLimits): number[] => within(LIFETIME_LADDER, limits.ttlSeconds);

/**
 * What stays selected once the server's limits replace the built-in ones: a choice the person made
 * (anything but the built-in default) if the server offers it too, else the server's default.
 */
export function keptChoice(chosen: number, before: ChoiceRange, after: ChoiceRange, offered: readonly number[]): number {
  return chosen !== before.default && offered.includes(chosen) ? chosen : after.default;
}
export const sizeChoices = (limits: RoomLimits): number[] => within(SIZE_LADDER, limits.capacity);

/** "10 minutes", "1 hour", "3 days"; a lifetime that is not a whole number of any unit is told in the largest units that fit, then the rest. */
export function lifetimeLabel(seconds: number): string {
  const parts: string[] = [];
  let rest = seconds;
  for (const [unit, name] of [[DAY, 'day'], [HOUR, 'hour'], [MINUTE, 'minute'], [1, 'second']] as const) {
    const count = Math.floor(rest / unit);
    if (count === 0) continue;
    parts.push(`${count} ${name}${count === 1 ? '' : 's'}`);
    rest -= count * unit;
  }
  return parts.join(' ');
}
