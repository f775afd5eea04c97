/** Maps a failed join or create to the lobby banner that explains it. */
import { ApiError } from '../api/api-error.js';
import type { Banner } from '../app/banners.js';

export function bannerForError(error: unknown): Banner {
  if (error instanceof ApiError) {
    if (error.code === 'room_not_found' || error.code === 'room_full' || error.code === 'not_a_member') return { kind: error.code };
    return { kind: 'failure', detail: error.message };
  }
  return { kind: 'failure', detail: error instanceof Error ? error.message : String(error) };
}
