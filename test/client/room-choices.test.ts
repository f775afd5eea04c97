import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, lifetimeChoices, lifetimeLabel, sizeChoices } from '../../src/client/lobby/room-choices.js';

describe('the lobby’s room choices', () => {
  it('offers the usual ladder within the server’s range, with its minimum, default and maximum among them', () => {
    const limits = { ttlSeconds: { default: 900, min: 120, max: 5000 }, capacity: { default: 11, min: 3, max: 13 } };
    expect(lifetimeChoices(limits)).toEqual([120, 300, 600, 900, 1800, 3600, 5000]);
    expect(sizeChoices(limits)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    const short = { ttlSeconds: { default: 600, min: 15, max: 600 }, capacity: { default: 2, min: 2, max: 2 } };
    expect(lifetimeChoices(short)).toEqual([15, 60, 300, 600]);
    expect(sizeChoices(short)).toEqual([2]);
  });

  it('without the server’s answer, offers what a server with default settings accepts', () => {
    expect(lifetimeChoices(DEFAULT_LIMITS)).toEqual([60, 300, 600, 1800, 3600, 10_800, 43_200, 86_400]);
    expect(sizeChoices(DEFAULT_LIMITS)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 16]);
  });

  it('names lifetimes in whole units, and the rest after them', () => {
    expect([60, 120, 3600, 86_400, 259_200, 5000, 90, 1].map(lifetimeLabel)).toEqual([
      '1 minute',
      '2 minutes',
      '1 hour',
      '1 day',
      '3 days',
      '1 hour 23 minutes 20 seconds',
      '1 minute 30 seconds',
      '1 second',
    ]);
  });
});
