/**
 * The two ways into a room from the lobby, as plain async functions: create
 * one (key made here, never sent) and take a seat, or take a seat in a room
 * from a pasted link. Both remember the room (with its key) in this browser.
 */
import type { CreateRoomRequest, JoinRoomResponse } from '../../shared/protocol.js';
import { roomsApi } from '../api/rooms-api.js';
import { generateRoomKey, keyCheckOf } from '../crypto/room-key.js';
import { saveRoom } from '../storage/saved-rooms.js';

export interface EnteredRoom {
  roomId: string;
  keyText: string;
}

export async function createAndJoinRoom(request: CreateRoomRequest): Promise<EnteredRoom> {
  const key = await generateRoomKey();
  const created = await roomsApi.create({ ...request, keyCheck: await keyCheckOf(key.text) });
  const joined = await joinRoom(created.roomId, key.text);
  return { roomId: joined.roomId, keyText: key.text };
}

/**
 * Takes (or finds) this browser's seat and remembers the room with its key. The key's check goes
 * along: a key that is not the room's is refused (`wrong_key`) before it takes a seat.
 */
export async function joinRoom(roomId: string, keyText: string): Promise<JoinRoomResponse> {
  const joined = await roomsApi.join(roomId, await keyCheckOf(keyText));
  saveRoom({ roomId: joined.roomId, key: keyText, expiresAt: joined.expiresAt, capacity: joined.capacity });
  return joined;
}
