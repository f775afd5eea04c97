/**
 * This browser's saved rooms that are still alive. Each is checked once with
 * a GET (which never takes a seat); rooms that ended, or where this browser
 * lost its seat, are forgotten along with their keys.
 */
import { useEffect, useState } from 'react';
import { ApiError } from '../api/api-error.js';
import { roomsApi } from '../api/rooms-api.js';
import { forgetRoom, loadSavedRooms, type SavedRoom } from '../storage/saved-rooms.js';

export function useLiveRooms(): SavedRoom[] {
  const [rooms, setRooms] = useState<SavedRoom[]>(() => loadSavedRooms());

  useEffect(() => {
    let cancelled = false;
    for (const room of loadSavedRooms()) {
      roomsApi.view(room.roomId).catch((error: unknown) => {
        if (cancelled || !(error instanceof ApiError)) return;
        if (error.code === 'room_not_found' || error.code === 'not_a_member') {
          forgetRoom(room.roomId);
          setRooms(loadSavedRooms());
        }
      });
    }
    // Drop rooms whose lifetime runs out while the lobby is open.
    const timer = setInterval(() => setRooms(loadSavedRooms()), 10_000);
    return () => {
      cancelled = true;
      clearInterval(timer);
    };
  }, []);

  return rooms;
}
