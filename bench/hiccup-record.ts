/**
 * What a hiccup meter (bench/hiccup-meter.ts) reports, shared with the side that reads it
 * (bench/hiccups.ts), and how the meter reads its waits for a core.
 */

export const REPORT_EVERY_MS = 100;

/** One report window of one meter, printed as a JSON line. */
export interface HiccupRecord {
  /** Date.now() at the start and at the end of the window (a hiccup makes its window longer). */
  from: number;
  t: number;
  wakes: number;
  /** The latest wake-up of the window, ms past its due time. */
  longestLateMs: number;
  /** The largest part of one wake-up's lateness that the scheduler did not count as waiting for a core, ms. */
  longestUnaccountedMs: number;
  /** The window's unaccounted lateness in all, counting only wake-ups with more than UNACCOUNTED_FLOOR_MS of it. */
  unaccountedMs: number;
  /** False where schedstat cannot be read (or reads zeros): all lateness then counts as unaccounted. */
  schedstat: boolean;
}

/** A wake-up is normally some 0.05–0.2 ms late (timer slack, the wake-up itself); that is not a hiccup. */
export const UNACCOUNTED_FLOOR_MS = 1;

export function emptyWindow(from: number, schedstat: boolean): HiccupRecord {
  return { from, t: from, wakes: 0, longestLateMs: 0, longestUnaccountedMs: 0, unaccountedMs: 0, schedstat };
}

const SPACE = 32;

/**
 * The second field of /proc/<pid>/schedstat ("<ns on a CPU> <ns runnable, waiting for one> <timeslices>\n"),
 * read from its bytes without making a string, or NaN if there is no second field.
 */
export function schedstatField(bytes: Uint8Array, length: number, field: 0 | 1): number {
  let index = 0;
  for (let skip = field; skip > 0; skip--) {
    while (index < length && bytes[index] !== SPACE) index++;
    index++;
  }
  let value = 0;
  let digits = 0;
  for (; index < length; index++, digits++) {
    const digit = bytes[index]! - 48;
    if (digit < 0 || digit > 9) break;
    value = value * 10 + digit;
  }
  return digits > 0 ? value : Number.NaN;
}
