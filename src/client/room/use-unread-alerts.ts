/**
 * While the tab is hidden: counts messages from others in the title
 * ("(3) Hush") and, if the person allowed it, raises a desktop notification
 * that says a message arrived, never what it says (a lock screen shows
 * notifications to anyone nearby).
 */
import { useEffect, useRef, useState } from 'react';

const BASE_TITLE = 'Hush';

export function useUnreadAlerts(receivedCount: number): void {
  const [hidden, setHidden] = useState(() => document.hidden);
  const countWhenHidden = useRef(receivedCount);
  const lastNotified = useRef(receivedCount);

  useEffect(() => {
    const onVisibility = () => setHidden(document.hidden);
    document.addEventListener('visibilitychange', onVisibility);
    return () => document.removeEventListener('visibilitychange', onVisibility);
  }, []);

  useEffect(() => {
    if (!hidden) countWhenHidden.current = receivedCount;
    const unread = hidden ? receivedCount - countWhenHidden.current : 0;
    document.title = unread > 0 ? `(${unread}) ${BASE_TITLE}` : BASE_TITLE;
    if (hidden && unread > 0 && receivedCount > lastNotified.current && typeof Notification !== 'undefined' && Notification.permission === 'granted') {
      // One notification per room, replaced rather than stacked.
      new Notification(BASE_TITLE, { body: unread === 1 ? 'New message' : `${unread} new messages`, tag: 'hush-unread', silent: false });
    }
    lastNotified.current = receivedCount;
  }, [hidden, receivedCount]);

  useEffect(() => () => void (document.title = BASE_TITLE), []);
}
