/**
 * Auto-scroll for the conversation: new content scrolls into view only if the
 * reader was already at the bottom; a reader who scrolled up to read stays
 * put and is offered a "new messages" button instead.
 */
import { useCallback, useLayoutEffect, useRef, useState } from 'react';

/** Within this many pixels of the end counts as "at the bottom". */
const NEAR_BOTTOM_PX = 80;

export function useStickToBottom<T extends HTMLElement>(contentVersion: unknown) {
  const ref = useRef<T>(null);
  const stuck = useRef(true);
  const [unseen, setUnseen] = useState(false);

  const scrollToBottom = useCallback(() => {
    const element = ref.current;
    if (!element) return;
    element.scrollTop = element.scrollHeight;
    stuck.current = true;
    setUnseen(false);
  }, []);

  const onScroll = useCallback(() => {
    const element = ref.current;
    if (!element) return;
    stuck.current = element.scrollHeight - element.scrollTop - element.clientHeight < NEAR_BOTTOM_PX;
    if (stuck.current) setUnseen(false);
  }, []);

  useLayoutEffect(() => {
    if (stuck.current) scrollToBottom();
    else setUnseen(true);
  }, [contentVersion, scrollToBottom]);

  return { ref, onScroll, unseen, scrollToBottom };
}
