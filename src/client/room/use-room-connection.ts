/**
 * React binding of RoomConnection: one connection per mounted room screen,
 * its actions folded by roomReducer into the state the screen renders.
 */
import { useEffect, useReducer, useRef } from 'react';
import type { RoomKey } from '../crypto/room-key.js';
import { findSavedRoom, markGreeted } from '../storage/saved-rooms.js';
import { RoomConnection } from './room-connection.js';
import { initialRoomState, roomReducer, type InitialRoom, type RoomState } from './room-state.js';

export interface RoomControls {
  state: RoomState;
  send(text: string): void;
  retry(id: string): void;
  typing(): void;
}

export function useRoomConnection(roomId: string, key: RoomKey, room: InitialRoom, displayName: string): RoomControls {
  const [state, dispatch] = useReducer(roomReducer, room, initialRoomState);
  const connection = useRef<RoomConnection | null>(null);
  // Read at send time, so a rename applies to the next message without reconnecting.
  const nameRef = useRef(displayName);
  nameRef.current = displayName;

  useEffect(() => {
    const live = new RoomConnection({
      roomId,
      key: key.cryptoKey,
      // Known when we just joined; otherwise the welcome frame tells.
      memberId: room.memberId,
      dispatch,
      displayName: () => nameRef.current,
      needsHello: () => !(findSavedRoom(roomId)?.greeted ?? false),
      onGreeted: () => markGreeted(roomId),
    });
    connection.current = live;
    return () => {
      live.close();
      connection.current = null;
    };
  }, [roomId, key]);

  return {
    state,
    send: (text) => void connection.current?.send(text),
    retry: (id) => connection.current?.retry(id),
    typing: () => connection.current?.typing(),
  };
}
