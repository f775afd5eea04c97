/** "Destroy now", behind a confirmation dialog: ends the room for every member at once. */
import { useRef, useState } from 'react';
import { roomsApi } from '../api/rooms-api.js';

export function DestroyButton({ roomId, onDestroying }: { roomId: string; onDestroying(): void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  const destroy = async () => {
    setBusy(true);
    setProblem(null);
    onDestroying();
    try {
      // The `destroyed` frame that follows takes every member, this one included, to the lobby.
      await roomsApi.destroy(roomId);
    } catch (error) {
      setProblem(error instanceof Error ? error.message : 'The room could not be destroyed.');
      setBusy(false);
    }
  };

  return (
    <>
      <button type="button" data-testid="destroy" className="btn-danger" onClick={() => dialog.current?.showModal()}>
        Destroy now
      </button>
      <dialog
        ref={dialog}
        aria-labelledby="destroy-title"
        className="m-auto w-[min(26rem,calc(100vw-2rem))] rounded-xl border border-zinc-200 bg-white p-0 text-zinc-900 shadow-xl backdrop:bg-black/50 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-100"
      >
        <div className="space-y-4 p-5">
          <h2 id="destroy-title" className="text-lg font-semibold">
            Destroy this room?
          </h2>
          <p className="text-sm text-zinc-700 dark:text-zinc-300">Every message is deleted and every member is sent back to the lobby. This cannot be undone.</p>
          {problem && <p className="text-sm text-red-700 dark:text-red-400">{problem}</p>}
          <div className="flex justify-end gap-2">
            <button type="button" className="btn-secondary" autoFocus onClick={() => dialog.current?.close()}>
              Keep it
            </button>
            <button type="button" data-testid="confirm-destroy" className="btn-danger" disabled={busy} onClick={() => void destroy()}>
              {busy ? 'Destroying…' : 'Destroy for everyone'}
            </button>
          </div>
        </div>
      </dialog>
    </>
  );
}
