/** Cycles the theme system → light → dark and remembers the choice; follows the OS while on "system". */
import { useEffect, useState } from 'react';
import type { ReactNode } from 'react';
import { applyTheme, loadThemeChoice, saveThemeChoice, type ThemeChoice } from '../storage/theme.js';
import { MoonIcon, SunIcon, SystemThemeIcon } from './icons.js';

const NEXT: Record<ThemeChoice, ThemeChoice> = { system: 'light', light: 'dark', dark: 'system' };
const NAME: Record<ThemeChoice, string> = { system: 'as the system', light: 'light', dark: 'dark' };
const ICON: Record<ThemeChoice, ReactNode> = { system: <SystemThemeIcon />, light: <SunIcon />, dark: <MoonIcon /> };

export function ThemeToggle() {
  const [choice, setChoice] = useState<ThemeChoice>(loadThemeChoice);

  useEffect(() => {
    applyTheme(choice);
    if (choice !== 'system') return;
    const query = window.matchMedia('(prefers-color-scheme: dark)');
    const follow = () => applyTheme('system');
    query.addEventListener('change', follow);
    return () => query.removeEventListener('change', follow);
  }, [choice]);

  const cycle = () => {
    const next = NEXT[choice];
    saveThemeChoice(next);
    setChoice(next);
  };

  // Says what a click does as well as what is on: one click in the cycle changes nothing visible (to or from "system").
  const label = `Theme: ${NAME[choice]}. Click for ${NAME[NEXT[choice]]}.`;
  return (
    <button type="button" onClick={cycle} className="btn-ghost" data-testid="theme-toggle" data-theme-choice={choice} aria-label={label} title={label}>
      {ICON[choice]}
    </button>
  );
}
