/** The protocol contract against the embedded in-memory engine. */
import type { MemoryRoomStore } from '../../src/server/store/memory/memory-room-store.js';
import { registerProtocolSuite } from './protocol-suite.js';

registerProtocolSuite({
  name: 'memory',
  settings: () => ({}),
  roomTraces: async (hush, roomId) => ((hush.server.engine.store as MemoryRoomStore).holds(roomId) ? 1 : 0),
});
