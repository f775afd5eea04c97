/** The front page: create a room, join one from a link, or go back to one of yours. */
import { hasWebCrypto } from '../crypto/secure-context.js';
import { InsecureContextNotice } from '../components/insecure-context-notice.js';
import { CreateRoomForm } from './create-room-form.js';
import { JoinLinkForm } from './join-link-form.js';
import { SavedRoomsList } from './saved-rooms-list.js';

export function LobbyPage() {
  const secure = hasWebCrypto();
  return (
    <main className="mx-auto w-full max-w-5xl space-y-6 px-4 py-8" data-testid="lobby">
      <div className="space-y-2">
        <h1 className="text-2xl font-semibold tracking-tight sm:text-3xl">Private rooms that disappear.</h1>
        <p className="max-w-2xl text-sm text-zinc-600 dark:text-zinc-400">
          Messages are encrypted in your browser with a key only the people holding the link have. The server relays ciphertext and forgets the
          whole room when its time runs out.
        </p>
      </div>
      {!secure && <InsecureContextNotice />}
      <div className="grid gap-6 md:grid-cols-2">
        <CreateRoomForm disabled={!secure} />
        <div className="space-y-6">
          <JoinLinkForm disabled={!secure} />
          <SavedRoomsList />
        </div>
      </div>
    </main>
  );
}
