/**
 * Decides what a room address shows before any chat: the key must import,
 * and must be the one this browser saved for the room, if it saved one (a
 * link with another key asks first: it would seal everything sent with the
 * link maker's key); then a GET asks whether this browser already holds a
 * seat (a GET never takes one). Members go straight in; everyone else sees the
 * Join button, so a link preview or crawler fetching the URL never takes a seat.
 */
import { useCallback, useEffect, useState } from 'react';
import { ApiError } from '../api/api-error.js';
import { roomsApi } from '../api/rooms-api.js';
import { bannerForError, type Banner } from '../app/banners.js';
import { importRoomKey, sameKeyText, type RoomKey } from '../crypto/room-key.js';
import { joinRoom } from '../lobby/enter-room.js';
import { findSavedRoom, saveRoom } from '../storage/saved-rooms.js';
import type { InitialRoom } from './room-state.js';

export type RoomEntry =
  | { step: 'checking' }
  | { step: 'bad-key' }
  /** This browser saved another key for the room when it joined: which one to use is the person's choice. */
  | { step: 'key-conflict'; savedKeyText: string }
  | { step: 'gate'; key: RoomKey; joining: boolean }
  | { step: 'inside'; key: RoomKey; room: InitialRoom }
  | { step: 'leave'; banner: Banner };

export function useRoomEntry(roomId: string, keyText: string): { entry: RoomEntry; join(): void; acceptLinkKey(): void } {
  const [entry, setEntry] = useState<RoomEntry>({ step: 'checking' });
  /** The link's key, chosen over the saved one after a key-conflict. */
  const [acceptedKeyText, setAcceptedKeyText] = useState<string | null>(null);

  useEffect(() => {
    let cancelled = false;
    setEntry({ step: 'checking' });
    (async () => {
      let key: RoomKey;
      try {
        key = await importRoomKey(keyText);
      } catch {
        if (!cancelled) setEntry({ step: 'bad-key' });
        return;
      }
      const saved = findSavedRoom(roomId);
      if (saved && !sameKeyText(saved.key, keyText) && acceptedKeyText !== keyText) {
        if (!cancelled) setEntry({ step: 'key-conflict', savedKeyText: saved.key });
        return;
      }
      try {
        const view = await roomsApi.view(roomId);
        saveRoom({ roomId, key: keyText, expiresAt: view.expiresAt, capacity: view.capacity });
        // The welcome frame tells us our memberId; until then nothing is shown as ours.
        if (!cancelled) setEntry({ step: 'inside', key, room: { memberId: '', expiresAt: view.expiresAt, capacity: view.capacity, members: view.members } });
      } catch (error) {
        if (cancelled) return;
        if (error instanceof ApiError && error.code === 'not_a_member') setEntry({ step: 'gate', key, joining: false });
        else setEntry({ step: 'leave', banner: bannerForError(error) });
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [roomId, keyText, acceptedKeyText]);

  const join = useCallback(() => {
    if (entry.step !== 'gate' || entry.joining) return;
    const { key } = entry;
    setEntry({ step: 'gate', key, joining: true });
    joinRoom(roomId, keyText).then(
      (joined) => setEntry({ step: 'inside', key, room: joined }),
      (error: unknown) => setEntry({ step: 'leave', banner: bannerForError(error) }),
    );
  }, [entry, roomId, keyText]);

  const acceptLinkKey = useCallback(() => setAcceptedKeyText(keyText), [keyText]);

  return { entry, join, acceptLinkKey };
}
