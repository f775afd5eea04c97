/**
 * Says why messages show as "could not be decrypted": their sender's page and this one hold
 * different keys, which is what a link damaged in copying (or not this room's) looks like from
 * either side. Without it, the one with the wrong link chats on, unread, with no sign of it.
 */
import { MemberTag } from './member-tag.js';
import { useMemo } from 'react';
import { displayNameOf, unreadableSenders, type RoomState } from './room-state.js';

export function UnreadableNotice({ state }: { state: RoomState }) {
  const senders = useMemo(() => unreadableSenders(state.messages), [state.messages]);
  if (senders.length === 0) return null;
  return (
    <div role="status" data-testid="unreadable-notice" className="mt-2 rounded-lg bg-amber-50 px-3 py-2 text-sm text-amber-900 ring-1 ring-amber-200 dark:bg-amber-950 dark:text-amber-100 dark:ring-amber-800">
      <p>
        This page’s key cannot open the messages of{' '}
        {senders.map((memberId, index) => (
          <span key={memberId}>
            {index > 0 && ', '}
            <bdi>{displayNameOf(state, memberId)}</bdi> <MemberTag memberId={memberId} />
          </span>
        ))}
        . Usually that means you and they opened different links to this room (one damaged in copying, or not this room’s), and
        neither of you can read the other: share the link again, and open it as it is.
      </p>
    </div>
  );
}
