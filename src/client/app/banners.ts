/**
 * Why the person landed on the lobby (or why something failed): one kind per
 * situation, with the words shown in the banner. Kept in one table so every
 * screen says the same thing for the same event.
 */
import { ApiError } from '../api/api-error.js';

export type BannerKind =
  | 'room_not_found'
  | 'room_full'
  | 'wrong_key'
  | 'not_a_member'
  | 'destroyed_by_you'
  | 'destroyed'
  | 'expired'
  | 'failure';

export interface Banner {
  kind: BannerKind;
  /** Said after the kind's text: what failed, or what was lost (unsent messages when a room ended). */
  detail?: string;
}

const BANNER_TEXT: Record<BannerKind, string> = {
  room_not_found: 'That room does not exist: it may have expired or been destroyed, or the server that held it may have restarted.',
  room_full: 'That room is full: every seat is taken, and a seat stays taken for the room’s whole life. Ask whoever shared the link for a new room with more seats.',
  wrong_key: 'That link’s key is not the room’s key, so it was not let in: the link was most likely changed on its way here (some apps alter links). Ask whoever shared it to send the whole link again.',
  not_a_member: 'This browser no longer holds a seat in that room.',
  destroyed_by_you: 'You destroyed the room. Its messages are gone for everyone.',
  destroyed: 'The room was destroyed by a member. Its messages are gone.',
  expired: 'The room self-destructed: its time ran out. Its messages are gone.',
  failure: 'Something went wrong.',
};

export function bannerText(banner: Banner): string {
  return banner.detail ? `${BANNER_TEXT[banner.kind]} ${banner.detail}` : BANNER_TEXT[banner.kind];
}

/** Maps a failed API call (join, create, view) to the banner that explains it. */
export function bannerForError(error: unknown): Banner {
  if (error instanceof ApiError) {
    if (error.code === 'room_not_found' || error.code === 'room_full' || error.code === 'wrong_key' || error.code === 'not_a_member') return { kind: error.code };
    return { kind: 'failure', detail: error.message };
  }
  return { kind: 'failure', detail: error instanceof Error ? error.message : String(error) };
}
