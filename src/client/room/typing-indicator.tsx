/** "<name> is typing…" for the members whose last `typing` frame is recent. */
import { useEffect, useReducer } from 'react';
import { displayNameOf, type RoomState } from './room-state.js';

export function TypingIndicator({ state }: { state: RoomState }) {
  // Bumped when the soonest shown entry expires, so the line disappears on time.
  const [tick, rerender] = useReducer((n: number) => n + 1, 0);
  const now = Date.now();
  const active = Object.entries(state.typingUntil).filter(([, until]) => until > now);
  const soonest = active.length > 0 ? Math.min(...active.map(([, until]) => until)) : null;

  useEffect(() => {
    if (soonest === null) return;
    const timer = setTimeout(rerender, soonest - Date.now());
    return () => clearTimeout(timer);
  }, [soonest, tick]);

  const names = active.map(([memberId]) => displayNameOf(state, memberId));
  return (
    <p className="h-5 px-1 text-xs text-zinc-500 italic dark:text-zinc-400" data-testid="typing" aria-live="polite">
      {names.length === 1 ? `${names[0]} is typing…` : names.length > 1 ? `${names.length} people are typing…` : ''}
    </p>
  );
}
