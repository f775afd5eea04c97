/** Cycles the theme system → light → dark and remembers the choice; follows the OS while on "system". */
import { useEffect, useState } from 'react';
import type { ReactNode } from 'react';
import { applyTheme, loadThemeChoice, saveThemeChoice, type ThemeChoice } from '../storage/theme.js';
import { MoonIcon, SunIcon, SystemThemeIcon } from './icons.js';

const NEXT: Record<ThemeChoice, ThemeChoice> = { system: 'light', light: 'dark', dark: 'system' };
const LABEL: Record<ThemeChoice, string> = { system: 'Theme: system', light: 'Theme: light', dark: 'Theme: dark' };
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

  return (
    <button type="button" onClick={cycle} className="btn-ghost" data-testid="theme-toggle" data-theme-choice={choice} aria-label={`${LABEL[choice]} (change)`} title={LABEL[choice]}>
      {ICON[choice]}
    </button>
  );
}
