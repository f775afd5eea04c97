/** The conversation: messages in seq order with join/leave lines, auto-scrolling politely. */
import { useMemo } from 'react';
import { MessageItem } from './message-item.js';
import { displayNameOf, timelineOf, type ChatLine, type PresenceLine, type RoomState } from './room-state.js';
import { useStickToBottom } from './use-stick-to-bottom.js';

function PresenceItem({ line, name }: { line: PresenceLine; name: string }) {
  return (
    <li data-testid="presence-line" data-change={line.change} className="text-center text-xs text-zinc-500 dark:text-zinc-400">
      {/* bdi: a right-to-left name must not reorder the words around it */}
      <bdi>{name}</bdi> {line.change === 'joined' ? 'joined' : 'left'}
    </li>
  );
}

/** A member's `hello` that this page's key cannot open: they entered with another key (UnreadableNotice says what to do). */
function UnreadableHelloItem({ line, name }: { line: ChatLine; name: string }) {
  return (
    <li data-testid="unreadable-hello" data-member-id={line.from} className="text-center text-xs text-amber-800 dark:text-amber-300">
      <bdi>{name}</bdi> joined with a key this page cannot use
    </li>
  );
}

export function Timeline({ state, onRetry }: { state: RoomState; onRetry(id: string): void }) {
  const { messages, presenceLines, outbox } = state;
  // Only these three arrays make the timeline; typing, presence and status changes leave it alone.
  const items = useMemo(() => timelineOf({ messages, presenceLines, outbox }), [messages, presenceLines, outbox]);
  const { ref, onScroll, unseen, scrollToBottom } = useStickToBottom<HTMLDivElement>(items.length);

  return (
    <div className="relative min-h-0 flex-1">
      <div ref={ref} onScroll={onScroll} className="h-full overflow-y-auto py-3" data-testid="timeline" tabIndex={0} aria-label="Messages">
        {state.historyGap && <p className="mb-3 text-center text-xs text-zinc-500">Older messages are no longer kept by the server.</p>}
        {items.length === 0 ? (
          <p className="mt-10 text-center text-sm text-zinc-500 dark:text-zinc-400">
            No messages yet. Share the link, then say something — only people with the link can read it.
          </p>
        ) : (
          <ol className="space-y-2 px-1" aria-live="polite" aria-relevant="additions">
            {items.map((item) =>
              item.kind === 'message' && item.unreadableHello ? (
                <UnreadableHelloItem key={`${item.from}:${item.id}`} line={item} name={displayNameOf(state, item.from)} />
              ) : item.kind === 'message' ? (
                <MessageItem key={item.own ? `own:${item.id}` : `${item.from}:${item.id}`} line={item} senderName={item.name || displayNameOf(state, item.from) /* '': a name with nothing visible left */} onRetry={onRetry} />
              ) : (
                <PresenceItem key={`p:${item.key}`} line={item} name={displayNameOf(state, item.memberId)} />
              ),
            )}
          </ol>
        )}
      </div>
      {unseen && (
        <button type="button" onClick={scrollToBottom} className="btn-primary absolute bottom-3 left-1/2 -translate-x-1/2 px-3 py-1 text-xs shadow-lg" data-testid="jump-to-latest">
          New messages ↓
        </button>
      )}
    </div>
  );
}
