/**
 * Light/dark theme: follows the system unless the person picked one, which is
 * remembered. Applied as a `dark` class on <html> (Tailwind's dark variant is
 * bound to it in styles.css); no inline script may do this earlier under the
 * CSP, so main.tsx applies it before the first render.
 */
import { readStored, writeStored } from './local-store.js';

export type ThemeChoice = 'light' | 'dark' | 'system';

export function loadThemeChoice(): ThemeChoice {
  const stored = readStored('theme');
  return stored === 'light' || stored === 'dark' ? stored : 'system';
}

export function saveThemeChoice(choice: ThemeChoice): void {
  writeStored('theme', choice);
}

const systemDark = () => window.matchMedia('(prefers-color-scheme: dark)').matches;

function resolveTheme(choice: ThemeChoice): 'light' | 'dark' {
  return choice === 'system' ? (systemDark() ? 'dark' : 'light') : choice;
}

export function applyTheme(choice: ThemeChoice): void {
  const theme = resolveTheme(choice);
  document.documentElement.classList.toggle('dark', theme === 'dark');
  document.documentElement.style.colorScheme = theme;
}
