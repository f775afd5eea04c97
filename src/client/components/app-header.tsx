/** The top bar on every screen: name of the app (a way home), the display name, the theme. */
import { useNavigation } from '../app/navigation.js';
import { HushMark } from './icons.js';
import { DisplayNameField } from './display-name-field.js';
import { ThemeToggle } from './theme-toggle.js';

export function AppHeader() {
  const { navigate } = useNavigation();
  return (
    <header className="border-b border-zinc-200 bg-white/80 dark:border-zinc-800 dark:bg-zinc-900/80">
      <div className="mx-auto flex max-w-5xl flex-wrap items-center justify-between gap-x-4 gap-y-2 px-4 py-2">
        <a
          href="/"
          className="flex items-center gap-2 rounded font-semibold tracking-tight focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-emerald-500"
          onClick={(event) => {
            event.preventDefault();
            navigate('/');
          }}
        >
          <HushMark />
          <span>Hush</span>
        </a>
        <div className="flex min-w-0 items-center gap-2">
          <DisplayNameField />
          <ThemeToggle />
        </div>
      </div>
    </header>
  );
}
