/**
 * Client-side navigation over the History API, plus the one-shot banner that
 * travels with a navigation ("the room was destroyed" shown on the lobby).
 * A context, so any screen can navigate without prop drilling.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import type { Banner } from './banners.js';
import { parseRoute, type Route } from './routes.js';

interface Navigation {
  route: Route;
  banner: Banner | null;
  navigate(path: string, options?: { banner?: Banner; replace?: boolean }): void;
  dismissBanner(): void;
  showBanner(banner: Banner): void;
}

const NavigationContext = createContext<Navigation | null>(null);

const currentRoute = () => parseRoute(window.location.pathname, window.location.hash);

export function NavigationProvider({ children }: { children: ReactNode }) {
  const [route, setRoute] = useState<Route>(currentRoute);
  const [banner, setBanner] = useState<Banner | null>(null);

  useEffect(() => {
    const onPop = () => {
      setRoute(currentRoute());
      setBanner(null);
    };
    window.addEventListener('popstate', onPop);
    // A pasted link that only changes the fragment does not pop state; it fires hashchange.
    window.addEventListener('hashchange', onPop);
    return () => {
      window.removeEventListener('popstate', onPop);
      window.removeEventListener('hashchange', onPop);
    };
  }, []);

  const navigate = useCallback<Navigation['navigate']>((path, options = {}) => {
    if (options.replace) window.history.replaceState(null, '', path);
    else window.history.pushState(null, '', path);
    setRoute(currentRoute());
    setBanner(options.banner ?? null);
    window.scrollTo(0, 0);
  }, []);

  const value = useMemo<Navigation>(
    () => ({ route, banner, navigate, dismissBanner: () => setBanner(null), showBanner: setBanner }),
    [route, banner, navigate],
  );
  return <NavigationContext value={value}>{children}</NavigationContext>;
}

export function useNavigation(): Navigation {
  const navigation = useContext(NavigationContext);
  if (!navigation) throw new Error('useNavigation outside NavigationProvider');
  return navigation;
}
