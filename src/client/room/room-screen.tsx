/**
 * A room once this browser holds a seat: the live connection and its parts.
 * When the room ends (destroyed, expired, gone) it forgets the room and
 * takes the person to the lobby with a banner saying why.
 */
import { useCallback, useEffect, useRef } from 'react';
import { useIdentity } from '../app/identity.js';
import { useNavigation } from '../app/navigation.js';
import type { BannerKind } from '../app/banners.js';
import type { RoomKey } from '../crypto/room-key.js';
import { forgetRoom } from '../storage/saved-rooms.js';
import { Composer } from './composer.js';
import { MemberList } from './member-list.js';
import { RoomHeader } from './room-header.js';
import type { InitialRoom, RoomEnd } from './room-state.js';
import { Timeline } from './timeline.js';
import { TypingIndicator } from './typing-indicator.js';
import { UnreadableNotice } from './unreadable-notice.js';
import { useRoomConnection } from './use-room-connection.js';
import { useUnreadAlerts } from './use-unread-alerts.js';

/** Past its expiry by the server's clock, with this much grace for the server's own `destroyed` frame. */
const EXPIRY_GRACE_MS = 3_000;

function bannerForEnd(end: RoomEnd, destroyedHere: boolean, pastExpiry: boolean): BannerKind {
  if (end === 'destroyed') return destroyedHere ? 'destroyed_by_you' : 'destroyed';
  // A room found gone after its lifetime (e.g. while this browser was offline) simply expired.
  if (end === 'room_not_found' && pastExpiry) return 'expired';
  return end;
}

function unsentDetail(count: number): string | undefined {
  if (count === 0) return undefined;
  return count === 1 ? 'The message you were sending had not reached the server: it was not sent.' : `The ${count} messages you were sending had not reached the server: they were not sent.`;
}

export function RoomScreen({ roomId, roomKey, room }: { roomId: string; roomKey: RoomKey; room: InitialRoom }) {
  const { displayName } = useIdentity();
  const { navigate } = useNavigation();
  const { state, send, retry, typing } = useRoomConnection(roomId, roomKey, room, displayName);
  const destroyedHere = useRef(false);
  useUnreadAlerts(state.receivedCount);
  /** Own messages not stored yet: when the room ends they are lost, and the banner says so. */
  const unsent = useRef(0);
  unsent.current = state.outbox.length;

  const leave = useCallback(
    (kind: BannerKind) => {
      forgetRoom(roomId);
      navigate('/', { banner: { kind, detail: unsentDetail(unsent.current) }, replace: true });
    },
    [roomId, navigate],
  );

  useEffect(() => {
    if (!state.end) return;
    const pastExpiry = Date.now() + state.clockOffset >= state.expiresAt;
    leave(bannerForEnd(state.end, destroyedHere.current, pastExpiry));
  }, [state.end, state.expiresAt, state.clockOffset, leave]);

  // The server ends the room with a `destroyed` frame; if it cannot be reached then, the clock still can.
  useEffect(() => {
    const timer = setTimeout(() => leave('expired'), state.expiresAt - (Date.now() + state.clockOffset) + EXPIRY_GRACE_MS);
    return () => clearTimeout(timer);
  }, [state.expiresAt, state.clockOffset, leave]);

  return (
    <main className="mx-auto flex min-h-0 w-full max-w-5xl flex-1 flex-col px-2 sm:px-4" data-testid="room" data-status={state.status} data-member-id={state.memberId || undefined}>
      <RoomHeader roomId={roomId} keyText={roomKey.text} state={state} onDestroying={() => (destroyedHere.current = true)} />
      <div className="flex min-h-0 flex-1 gap-4">
        <section className="flex min-h-0 min-w-0 flex-1 flex-col" aria-label="Conversation">
          <UnreadableNotice state={state} />
          <Timeline state={state} onRetry={retry} />
          <TypingIndicator state={state} />
          <Composer status={state.status} notice={state.notice} onSend={send} onTyping={typing} />
        </section>
        <MemberList state={state} />
      </div>
    </main>
  );
}
