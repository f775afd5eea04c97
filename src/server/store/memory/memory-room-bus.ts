/**
 * In-process RoomBus: with one process there is no one else to tell, so
 * publishing hands the event straight to this instance's listener.
 */
import type { RoomBus, RoomEvent, RoomEventListener } from '../room-bus.js';

export class MemoryRoomBus implements RoomBus {
  private listener: RoomEventListener | undefined;
  private readonly subscribed = new Set<string>();

  setListener(listener: RoomEventListener): void {
    this.listener = listener;
  }

  async subscribe(roomId: string): Promise<void> {
    this.subscribed.add(roomId);
  }

  async unsubscribe(roomId: string): Promise<void> {
    this.subscribed.delete(roomId);
  }

  async publish(roomId: string, event: RoomEvent): Promise<void> {
    this.deliver(roomId, event);
  }

  /** publish() without a promise: what the memory store calls for every appended message. */
  deliver(roomId: string, event: RoomEvent): void {
    if (this.subscribed.has(roomId)) this.listener?.(roomId, event);
  }

  async close(): Promise<void> {
    this.subscribed.clear();
  }
}
