/**
 * Asks for permission to show desktop notifications for messages that arrive
 * while the tab is hidden. Shown only while the browser has not been asked.
 */
import { useState } from 'react';
import { BellIcon } from '../components/icons.js';

export function NotifyToggle() {
  const supported = typeof Notification !== 'undefined';
  const [permission, setPermission] = useState(supported ? Notification.permission : 'denied');
  if (!supported || permission !== 'default') return null;
  return (
    <button
      type="button"
      className="btn-ghost"
      aria-label="Notify me of new messages while this tab is hidden"
      title="Notify me of new messages (never shows their text)"
      onClick={() => void Notification.requestPermission().then(setPermission)}
    >
      <BellIcon />
    </button>
  );
}
