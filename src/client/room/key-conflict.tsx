/**
 * A link to a room this browser already joined, carrying another key than the
 * one it saved then. Someone who can change a link (or knows the room id) could
 * hand out their own key: everything sent would be sealed with it, and they
 * could show messages that decrypt as if from the room. A link damaged in
 * copying looks the same. The saved key is the default; the link's is a choice.
 */
import { useEffect, useRef } from 'react';

export function KeyConflict({ onKeepSaved, onUseLink }: { onKeepSaved(): void; onUseLink(): void }) {
  const keep = useRef<HTMLButtonElement>(null);
  useEffect(() => keep.current?.focus(), []);
  return (
    <main className="mx-auto w-full max-w-xl px-4 py-12" data-testid="key-conflict">
      <div className="card space-y-4">
        <h1 className="text-xl font-semibold">This link carries a different key for this room</h1>
        <div className="space-y-3 text-sm text-zinc-700 dark:text-zinc-300">
          <p>This browser saved another key for this room when it joined. The key in a link decides who can read what you send.</p>
          <p>
            If someone changed the link, their key would let them read your messages and show you messages that seem to come from the room. A
            link damaged in copying looks the same. Unless you know why the key changed, open the room with the saved key.
          </p>
        </div>
        <div className="flex flex-wrap gap-2">
          <button ref={keep} type="button" data-testid="keep-saved-key" className="btn-primary" onClick={onKeepSaved}>
            Open with the saved key
          </button>
          <button type="button" data-testid="use-link-key" className="btn-secondary" onClick={onUseLink}>
            Use this link's key instead
          </button>
        </div>
      </div>
    </main>
  );
}
