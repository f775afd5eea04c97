/**
 * The emoji picker (frimousse, unstyled, styled here) in a popover above the
 * composer. Its data is served by Hush itself (see vite.config.ts), because
 * the CSP allows no third-party fetches.
 */
import { EmojiPicker } from 'frimousse';
import { useEffect, useRef, useState } from 'react';
import { SmileIcon } from '../components/icons.js';

/** Where the build puts emojibase-data's locale files. */
const EMOJIBASE_URL = '/emojibase';

export function EmojiButton({ onPick }: { onPick(emoji: string): void }) {
  const [open, setOpen] = useState(false);
  const container = useRef<HTMLDivElement>(null);
  const toggle = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (!open) return;
    const onPointerDown = (event: PointerEvent) => {
      if (!container.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener('pointerdown', onPointerDown);
    return () => document.removeEventListener('pointerdown', onPointerDown);
  }, [open]);

  const close = () => {
    setOpen(false);
    toggle.current?.focus();
  };

  return (
    <div ref={container} className="relative">
      <button
        ref={toggle}
        type="button"
        className="btn-ghost h-10 text-lg"
        aria-label="Insert emoji"
        aria-expanded={open}
        data-testid="emoji-button"
        onClick={() => setOpen(!open)}
      >
        <SmileIcon />
      </button>
      {open && (
        <div
          className="absolute bottom-12 left-0 z-10"
          onKeyDown={(event) => {
            if (event.key === 'Escape') {
              event.stopPropagation();
              close();
            }
          }}
        >
          <EmojiPicker.Root
            emojibaseUrl={EMOJIBASE_URL}
            columns={8}
            onEmojiSelect={({ emoji }) => {
              onPick(emoji);
              setOpen(false);
            }}
            className="isolate flex h-80 w-[min(19rem,calc(100vw-2rem))] flex-col rounded-xl border border-zinc-200 bg-white shadow-xl dark:border-zinc-700 dark:bg-zinc-900"
            data-testid="emoji-picker"
          >
            <EmojiPicker.Search autoFocus aria-label="Search emoji" className="field z-10 mx-2 mt-2 py-1.5 text-sm" />
            <EmojiPicker.Viewport className="relative flex-1 outline-hidden">
              <EmojiPicker.Loading className="absolute inset-0 flex items-center justify-center text-sm text-zinc-500">Loading…</EmojiPicker.Loading>
              <EmojiPicker.Empty className="absolute inset-0 flex items-center justify-center text-sm text-zinc-500">No emoji found.</EmojiPicker.Empty>
              <EmojiPicker.List
                className="pb-1.5 select-none"
                components={{
                  CategoryHeader: ({ category, ...props }) => (
                    <div className="bg-white px-3 pt-3 pb-1.5 text-xs font-medium text-zinc-600 dark:bg-zinc-900 dark:text-zinc-400" {...props}>
                      {category.label}
                    </div>
                  ),
                  Row: ({ children, ...props }) => (
                    <div className="scroll-my-1.5 px-1.5" {...props}>
                      {children}
                    </div>
                  ),
                  Emoji: ({ emoji, ...props }) => (
                    <button className="flex size-8 items-center justify-center rounded-md text-lg data-[active]:bg-zinc-100 dark:data-[active]:bg-zinc-800" {...props}>
                      {emoji.emoji}
                    </button>
                  ),
                }}
              />
            </EmojiPicker.Viewport>
          </EmojiPicker.Root>
        </div>
      )}
    </div>
  );
}
