/**
 * Writing a message: Enter sends, Shift+Enter starts a new line, a counter
 * appears near the 1000-character limit. Sending works while reconnecting:
 * the message waits as pending and goes out on the next connection.
 */
import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import { TEXT_MAX_CHARS } from '../crypto/envelope.js';
import { EmojiButton } from './emoji-button.js';
import type { ConnectionStatus } from './room-state.js';

/** The counter shows from here on, so it does not distract in normal use. */
const COUNTER_FROM = TEXT_MAX_CHARS - 200;

export function Composer({ status, notice, onSend, onTyping }: { status: ConnectionStatus; notice: string | null; onSend(text: string): void; onTyping(): void }) {
  const [text, setText] = useState('');
  const input = useRef<HTMLTextAreaElement>(null);
  const id = useId();
  const length = text.length;
  const tooLong = length > TEXT_MAX_CHARS;
  const sendable = text.trim() !== '' && !tooLong;

  // Entering the room (created or joined) leaves the keyboard in the message box, where it is wanted next; not on
  // touch screens, where focusing would pull up the on-screen keyboard over the conversation.
  useEffect(() => {
    if (window.matchMedia('(pointer: fine)').matches) input.current?.focus();
  }, []);

  const send = (event?: { preventDefault(): void }) => {
    event?.preventDefault();
    if (!sendable) return;
    onSend(text);
    setText('');
    input.current?.focus();
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    // isComposing: Enter that confirms an IME candidate (Japanese, Chinese…) must not send.
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) send(event);
  };

  const insert = (emoji: string) => {
    const element = input.current;
    const start = element?.selectionStart ?? text.length;
    const end = element?.selectionEnd ?? text.length;
    setText(text.slice(0, start) + emoji + text.slice(end));
    requestAnimationFrame(() => {
      element?.focus();
      element?.setSelectionRange(start + emoji.length, start + emoji.length);
    });
  };

  return (
    <form onSubmit={send} className="border-t border-zinc-200 py-3 dark:border-zinc-800">
      {notice && (
        <p role="status" className="mb-2 text-xs text-amber-700 dark:text-amber-400" data-testid="composer-notice">
          {notice}
        </p>
      )}
      <div className="flex items-end gap-2">
        <EmojiButton onPick={insert} />
        <div className="relative min-w-0 flex-1">
          <label htmlFor={id} className="sr-only">
            Message
          </label>
          <textarea
            id={id}
            ref={input}
            data-testid="message-input"
            rows={1}
            dir="auto"
            value={text}
            placeholder={status === 'open' ? 'Write a message…' : 'Write a message (it will be sent when the connection is back)…'}
            aria-describedby={length >= COUNTER_FROM ? `${id}-counter` : undefined}
            aria-invalid={tooLong || undefined}
            className="field block max-h-40 min-h-10 w-full resize-none [field-sizing:content]"
            onChange={(event) => {
              setText(event.target.value);
              if (event.target.value !== '') onTyping();
            }}
            onKeyDown={onKeyDown}
          />
          {length >= COUNTER_FROM && (
            <span
              id={`${id}-counter`}
              data-testid="char-counter"
              aria-live="polite"
              className={`absolute right-2 -top-5 text-xs tabular-nums ${tooLong ? 'font-semibold text-red-700 dark:text-red-400' : 'text-zinc-500'}`}
            >
              {length}/{TEXT_MAX_CHARS}
              {tooLong && <span className="sr-only"> — too long to send</span>}
            </span>
          )}
        </div>
        <button type="submit" data-testid="send" className="btn-primary" disabled={!sendable}>
          Send
        </button>
      </div>
    </form>
  );
}
