/**
 * Display names (src/client/app/display-name.ts): what a member types, and what
 * arrives from another member, loses the characters that are invisible or turn
 * text around, and keeps the joiners that emoji and some scripts need.
 */
import { describe, expect, it } from 'vitest';
import { memberTag, NAME_MAX_CHARS, normaliseDisplayName } from '../../src/client/app/display-name.js';

describe('normaliseDisplayName', () => {
  it('drops bidi overrides, zero-width and filler characters, controls and tag characters', () => {
    expect(normaliseDisplayName('\u202eecilA\u202c')).toBe('ecilA');
    expect(normaliseDisplayName('Al\u200bice\u2066\u00ad')).toBe('Alice');
    expect(normaliseDisplayName('Bob\u0007\u0000\u3164\uffa0\u115f\u034f')).toBe('Bob');
    expect(normaliseDisplayName('Eve\u{e0041}\u{e007f}')).toBe('Eve');
  });

  it('keeps the joiners emoji and scripts need, collapses spaces, and bounds the length', () => {
    const family = '\u{1f469}\u200d\u{1f469}\u200d\u{1f467}';
    expect(normaliseDisplayName(`  ${family}   family `)).toBe(`${family} family`);
    expect(normaliseDisplayName('\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645')).toBe('\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645');
    expect(normaliseDisplayName('x'.repeat(100))).toHaveLength(NAME_MAX_CHARS);
  });

  it('is no name when nothing visible is left', () => {
    for (const text of ['', '   ', '\u200b\u202e', '\u3164\u3164', '\u{e0020}']) expect(normaliseDisplayName(text)).toBeNull();
  });
});

describe('memberTag', () => {
  it('is the first four characters of the member id', () => {
    expect(memberTag('Xt4S5kq9aB0c')).toBe('Xt4S');
  });
});
