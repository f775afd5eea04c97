/**
 * Time left before the room self-destructs, by the server's clock: the local
 * clock plus the offset measured at the last welcome, so a wrong local clock
 * does not show a wrong countdown.
 */
import { useEffect, useState } from 'react';
import { TimerIcon } from '../components/icons.js';
import { describeDuration, formatCountdown } from './format-time.js';

export function Countdown({ expiresAt, clockOffset }: { expiresAt: number; clockOffset: number }) {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    // A few ticks a second so the display never lags a whole second behind.
    const timer = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(timer);
  }, []);
  const left = expiresAt - (now + clockOffset);

  const urgent = left < 60_000;
  return (
    <span
      data-testid="countdown"
      data-remaining-ms={Math.max(0, Math.round(left))}
      role="timer"
      aria-label={`Self-destructs in ${describeDuration(left)}`}
      className={`inline-flex items-center gap-1 rounded-full px-2.5 py-1 font-mono text-sm tabular-nums ${
        urgent ? 'bg-red-100 text-red-800 dark:bg-red-950 dark:text-red-200' : 'bg-zinc-100 text-zinc-800 dark:bg-zinc-800 dark:text-zinc-100'
      }`}
    >
      <TimerIcon />
      {formatCountdown(left)}
    </span>
  );
}
