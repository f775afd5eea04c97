/** The page at /r/<roomId>#<key>: checks the key and the seat, then shows the gate or the room. */
import { useEffect } from 'react';
import { useNavigation } from '../app/navigation.js';
import { NoticePage } from '../components/notice-page.js';
import { InsecureContextNotice } from '../components/insecure-context-notice.js';
import { hasWebCrypto } from '../crypto/secure-context.js';
import { roomPath } from '../app/routes.js';
import { JoinGate } from './join-gate.js';
import { KeyConflict } from './key-conflict.js';
import { RoomScreen } from './room-screen.js';
import { useRoomEntry } from './use-room-entry.js';

export function RoomPage({ roomId, keyText }: { roomId: string; keyText: string }) {
  if (!hasWebCrypto()) {
    return (
      <NoticePage title="This room cannot be opened here">
        <InsecureContextNotice />
      </NoticePage>
    );
  }
  if (keyText === '') {
    return (
      <NoticePage title="This link is missing its key" testId="missing-key">
        <p>Hush links end with #key: the part after the # decrypts the room, and it was cut off from the link you opened.</p>
        <p>Ask whoever shared it for the full link. The key never reaches the server, so it cannot be recovered from there.</p>
      </NoticePage>
    );
  }
  return <RoomEntryView roomId={roomId} keyText={keyText} />;
}

function RoomEntryView({ roomId, keyText }: { roomId: string; keyText: string }) {
  const { entry, join, acceptLinkKey } = useRoomEntry(roomId, keyText);
  const { navigate } = useNavigation();

  useEffect(() => {
    if (entry.step === 'leave') navigate('/', { banner: entry.banner, replace: true });
  }, [entry, navigate]);

  switch (entry.step) {
    case 'checking':
    case 'leave':
      return (
        <p className="px-4 py-12 text-center text-sm text-zinc-500" role="status">
          Opening the room…
        </p>
      );
    case 'bad-key':
      return (
        <NoticePage title="This link is missing its key" testId="missing-key">
          <p>The part after the # in this link is not a valid Hush key: it may have been cut or changed when it was copied.</p>
          <p>Ask whoever shared it for the full link.</p>
        </NoticePage>
      );
    case 'key-conflict':
      return <KeyConflict onKeepSaved={() => navigate(roomPath(roomId, entry.savedKeyText), { replace: true })} onUseLink={acceptLinkKey} />;
    case 'gate':
      return <JoinGate joining={entry.joining} onJoin={join} />;
    case 'inside':
      return <RoomScreen roomId={roomId} roomKey={entry.key} room={entry.room} />;
  }
}
