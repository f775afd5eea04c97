/** "<name> is typing…" for the members whose last `typing` frame is recent. */
import { useEffect, useState } from 'react';
import { displayNameOf, type RoomState } from './room-state.js';

export function TypingIndicator({ state }: { state: RoomState }) {
  const [now, setNow] = useState(Date.now);
  const active = Object.entries(state.typingUntil).filter(([, until]) => until > now);

  useEffect(() => {
    if (Object.keys(state.typingUntil).length === 0) return;
    // Re-render when the soonest entry expires, so the line disappears on time.
    const timer = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(timer);
  }, [state.typingUntil]);

  const names = active.map(([memberId]) => displayNameOf(state, memberId));
  return (
    <p className="h-5 px-1 text-xs text-zinc-500 italic dark:text-zinc-400" data-testid="typing" aria-live="polite">
      {names.length === 1 ? `${names[0]} is typing…` : names.length > 1 ? `${names.length} people are typing…` : ''}
    </p>
  );
}
