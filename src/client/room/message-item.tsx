/** One chat line: own messages on the right with their delivery state, others on the left with the sender's name. */
import { LockIcon } from '../components/icons.js';
import { formatClockTime } from './format-time.js';
import { MemberTag } from './member-tag.js';
import type { ChatLine } from './room-state.js';

const STATUS_TEXT = { pending: 'sending…', sent: 'sent', failed: 'not sent', received: '' } as const;

export function MessageItem({ line, senderName, onRetry }: { line: ChatLine; senderName: string; onRetry(id: string): void }) {
  const unreadable = line.text === null;
  return (
    <li
      data-testid="message"
      data-own={line.own}
      data-status={line.status}
      data-seq={line.seq ?? undefined}
      data-message-id={line.id}
      className={`flex ${line.own ? 'justify-end' : 'justify-start'}`}
    >
      <div
        className={`max-w-[85%] rounded-2xl px-3.5 py-2 shadow-sm sm:max-w-[70%] ${
          line.own
            ? 'rounded-br-md bg-emerald-700 text-white dark:bg-emerald-800'
            : 'rounded-bl-md bg-white text-zinc-900 ring-1 ring-zinc-200 dark:bg-zinc-800 dark:text-zinc-100 dark:ring-zinc-700'
        } ${line.status === 'pending' ? 'opacity-70' : ''}`}
      >
        <div className={`mb-0.5 flex items-baseline gap-2 text-xs ${line.own ? 'text-emerald-100' : 'text-zinc-500 dark:text-zinc-400'}`}>
          <span data-testid="message-author" dir="auto" className="truncate font-medium">
            {line.own ? 'You' : senderName}
          </span>
          {!line.own && <MemberTag memberId={line.from} testId="message-author-tag" />}
          <time dateTime={new Date(line.time).toISOString()}>{formatClockTime(line.time)}</time>
        </div>
        {unreadable ? (
          <p data-testid="message-text" className="text-sm italic opacity-80">
            <LockIcon /> this message could not be decrypted
          </p>
        ) : (
          <p data-testid="message-text" dir="auto" className="text-sm break-words whitespace-pre-wrap">
            {line.text}
          </p>
        )}
        {line.own && line.status !== 'sent' && (
          <div className="mt-1 flex items-center justify-end gap-2 text-xs text-emerald-100">
            <span data-testid="message-status">{STATUS_TEXT[line.status]}</span>
            {line.status === 'failed' && (
              <button type="button" data-testid="retry" className="rounded underline focus-visible:outline-2 focus-visible:outline-white" onClick={() => onRetry(line.id)}>
                Retry
              </button>
            )}
          </div>
        )}
      </div>
    </li>
  );
}
