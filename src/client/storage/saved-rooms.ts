/**
 * This browser's rooms, with their keys, so the lobby can list the live ones
 * and reopen them. Keys here are as sensitive as the share links: anyone who
 * can read this profile's localStorage can read these rooms. An entry is
 * removed when its room ends or its lifetime passes.
 */
import { z } from 'zod';
import { readStored, writeStored } from './local-store.js';

const savedRoomSchema = z.object({
  roomId: z.string(),
  key: z.string(),
  expiresAt: z.number(),
  capacity: z.number(),
  /** When this browser first took a seat; orders the list. */
  joinedAt: z.number(),
  /** Whether this browser already told the room its name (the `hello` envelope). */
  greeted: z.boolean().default(false),
});
export type SavedRoom = z.infer<typeof savedRoomSchema>;

const STORE_NAME = 'rooms';

/** The rooms whose lifetime has not passed; the keys of the others are wiped from storage here. */
export function loadSavedRooms(now = Date.now()): SavedRoom[] {
  const parsed = z.array(savedRoomSchema).safeParse(readStored(STORE_NAME));
  if (!parsed.success) return [];
  const live = parsed.data.filter((room) => room.expiresAt > now);
  // Rooms that ended while the browser was closed leave with the first read after.
  if (live.length < parsed.data.length) store(live);
  return live.sort((a, b) => b.joinedAt - a.joinedAt);
}

function store(rooms: SavedRoom[]): void {
  writeStored(STORE_NAME, rooms);
}

export function findSavedRoom(roomId: string): SavedRoom | undefined {
  return loadSavedRooms().find((room) => room.roomId === roomId);
}

/** Adds or updates the entry for `room.roomId`, keeping `joinedAt` and `greeted` of an existing one. */
export function saveRoom(room: Omit<SavedRoom, 'joinedAt' | 'greeted'>): SavedRoom {
  const rooms = loadSavedRooms();
  const existing = rooms.find((entry) => entry.roomId === room.roomId);
  const entry: SavedRoom = { joinedAt: Date.now(), greeted: false, ...existing, ...room };
  store([entry, ...rooms.filter((other) => other.roomId !== room.roomId)]);
  return entry;
}

export function markGreeted(roomId: string): void {
  store(loadSavedRooms().map((room) => (room.roomId === roomId ? { ...room, greeted: true } : room)));
}

export function forgetRoom(roomId: string): void {
  store(loadSavedRooms().filter((room) => room.roomId !== roomId));
}
