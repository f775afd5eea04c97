/**
 * Display names as every page shows them. A name is chosen by its member and
 * travels sealed, so the server cannot vet it: characters that are invisible
 * or turn text around (bidi overrides, zero-width spaces) would let a name
 * pose as another or scramble the lines it appears in. They are dropped when a
 * name is typed and again when one arrives; the joiners some scripts and emoji
 * need (U+200C, U+200D) stay.
 */
export const NAME_MAX_CHARS = 40;

/**
 * Controls (C0, DEL, C1), bidi marks and overrides, zero-width space, word joiner and invisible
 * operators, BOM, soft hyphen, the combining grapheme joiner, the Hangul and Khmer fillers and
 * invisible vowels, the Mongolian vowel separator, and the tag characters (U+E0000–E007F).
 */
const HIDDEN =
  /[\u0000-\u001f\u007f-\u009f\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\u3164\ufeff\uffa0\u{e0000}-\u{e007f}]/gu;

/** A name cleaned and bounded, or null when nothing visible is left. */
export function normaliseDisplayName(text: string): string | null {
  const name = text.replace(HIDDEN, '').replace(/\s+/g, ' ').trim().slice(0, NAME_MAX_CHARS);
  return name === '' ? null : name;
}

/**
 * A member's tag: the first characters of its member id, which the server gives
 * and the member cannot choose. Shown beside a name, it tells apart two members
 * who chose the same one.
 */
export function memberTag(memberId: string): string {
  return memberId.slice(0, 4);
}
