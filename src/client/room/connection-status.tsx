/** Shows the link state when it is not plainly "connected". */
import type { ConnectionStatus as Status } from './room-state.js';

const TEXT: Record<Status, string> = { connecting: 'connecting…', open: 'connected', reconnecting: 'reconnecting…' };

export function ConnectionStatus({ status }: { status: Status }) {
  return (
    <span
      data-testid="connection-status"
      data-status={status}
      role="status"
      className={`inline-flex items-center gap-1.5 text-xs ${status === 'open' ? 'text-emerald-700 dark:text-emerald-400' : 'text-amber-700 dark:text-amber-400'}`}
    >
      <span aria-hidden="true" className={`size-2 rounded-full ${status === 'open' ? 'bg-emerald-500' : 'animate-pulse bg-amber-500'}`} />
      {TEXT[status]}
    </span>
  );
}
