/**
 * What an invitee sees first: an explicit Join button. Joining takes a seat,
 * so it must be a person's decision, not a side effect of opening the URL.
 */
import { useEffect, useRef } from 'react';

export function JoinGate({ joining, onJoin }: { joining: boolean; onJoin(): void }) {
  const button = useRef<HTMLButtonElement>(null);
  useEffect(() => button.current?.focus(), []);
  return (
    <main className="mx-auto w-full max-w-xl px-4 py-12" data-testid="join-gate">
      <div className="card space-y-4">
        <h1 className="text-xl font-semibold">You were invited to a private room</h1>
        <p className="text-sm text-zinc-700 dark:text-zinc-300">
          Messages here are end-to-end encrypted with the key in your link, and the room destroys itself when its time is up. Joining takes one
          of its seats.
        </p>
        <button ref={button} type="button" data-testid="join-room" className="btn-primary" disabled={joining} onClick={onJoin}>
          {joining ? 'Joining…' : 'Join the room'}
        </button>
      </div>
    </main>
  );
}
