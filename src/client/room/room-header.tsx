/** The room's bar: share link and copy, connection state, countdown, destroy. */
import { shareLink } from '../app/routes.js';
import { CopyButton } from '../components/copy-button.js';
import { ConnectionStatus } from './connection-status.js';
import { Countdown } from './countdown.js';
import { DestroyButton } from './destroy-button.js';
import { MemberSummary } from './member-list.js';
import { NotifyToggle } from './notify-toggle.js';
import type { RoomState } from './room-state.js';

export function RoomHeader({ roomId, keyText, state, onDestroying }: { roomId: string; keyText: string; state: RoomState; onDestroying(): void }) {
  const link = shareLink(roomId, keyText);
  return (
    <div className="space-y-2 border-b border-zinc-200 py-3 dark:border-zinc-800">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <div className="flex items-center gap-3">
          <h1 className="text-base font-semibold">Private room</h1>
          <ConnectionStatus status={state.status} />
        </div>
        <div className="flex items-center gap-2">
          <Countdown expiresAt={state.expiresAt} clockOffset={state.clockOffset} />
          <NotifyToggle />
          <DestroyButton roomId={roomId} onDestroying={onDestroying} />
        </div>
      </div>
      <div className="flex items-center gap-2">
        <span id="room-link-label" className="sr-only">
          Share link
        </span>
        <code
          data-testid="room-link"
          aria-labelledby="room-link-label"
          // One line on a phone (the Copy button copies it whole); wrapped in full on wider screens.
          className="min-w-0 flex-1 truncate rounded-md bg-zinc-100 px-2 py-1.5 font-mono text-xs text-zinc-700 select-all sm:whitespace-normal sm:break-all dark:bg-zinc-800 dark:text-zinc-300"
        >
          {link}
        </code>
        <CopyButton text={link} label="Copy link" testId="copy-link" />
      </div>
      <MemberSummary state={state} />
    </div>
  );
}
