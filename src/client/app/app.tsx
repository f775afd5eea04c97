/** The app shell: header, the banner, and the page for the current address. */
import type { MouseEvent } from 'react';
import { AppHeader } from '../components/app-header.js';
import { Banner } from '../components/banner.js';
import { NoticePage } from '../components/notice-page.js';
import { PageErrorBoundary } from '../components/page-error-boundary.js';
import { LobbyPage } from '../lobby/lobby-page.js';
import { RoomPage } from '../room/room-page.js';
import { IdentityProvider } from './identity.js';
import { NavigationProvider, useNavigation } from './navigation.js';

function CurrentPage() {
  const { route, banner, dismissBanner } = useNavigation();
  return (
    <>
      {banner && (
        <div className="mx-auto w-full max-w-5xl px-4 pt-4">
          <Banner banner={banner} onDismiss={dismissBanner} />
        </div>
      )}
      <PageErrorBoundary resetKey={route.page === 'room' ? `room:${route.roomId}` : route.page}>
        {route.page === 'lobby' && <LobbyPage />}
        {route.page === 'room' && <RoomPage key={route.roomId} roomId={route.roomId} keyText={route.keyText} />}
        {route.page === 'not-found' && (
          <NoticePage title="Nothing here">
            <p>This address is not a Hush page.</p>
          </NoticePage>
        )}
      </PageErrorBoundary>
    </>
  );
}

export function App() {
  return (
    <NavigationProvider>
      <IdentityProvider>
        <Shell />
      </IdentityProvider>
    </NavigationProvider>
  );
}

/**
 * A column as tall as the window: a room takes exactly the height the header leaves (its timeline
 * scrolls, its composer stays on screen however many lines the header wraps to on a phone); other
 * pages grow past the window and the document scrolls.
 */
function Shell() {
  const { route } = useNavigation();
  return (
    <div className={`flex flex-col ${route.page === 'room' ? 'h-dvh' : 'min-h-dvh'}`}>
      <a
        href="#main-content"
        onClick={skipToContent}
        className="sr-only focus:not-sr-only focus:absolute focus:top-2 focus:left-2 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2 focus:text-zinc-900"
      >
        Skip to content
      </a>
      <AppHeader />
      <div id="main-content" tabIndex={-1} className="flex min-h-0 flex-1 flex-col outline-none">
        <CurrentPage />
      </div>
    </div>
  );
}

/** Moves focus past the header without touching the address: a room's fragment is its key, and a new one would leave the room. */
function skipToContent(event: MouseEvent<HTMLAnchorElement>): void {
  event.preventDefault();
  document.getElementById('main-content')?.focus();
}
