/** Takes a seat in a room from a pasted share link. */
import { useId, useState, type FormEvent } from 'react';
import { bannerForError } from '../app/banners.js';
import { useNavigation } from '../app/navigation.js';
import { parseShareLink, roomPath, type ShareLinkResult } from '../app/routes.js';
import { sameKeyText } from '../crypto/room-key.js';
import { findSavedRoom } from '../storage/saved-rooms.js';
import { joinRoom } from './enter-room.js';

const PROBLEMS: Record<Extract<ShareLinkResult, { ok: false }>['problem'], string> = {
  'not-a-link': 'That is not a Hush room link (it looks like …/r/<room>#<key>).',
  'unsupported-scheme': 'Only http:// and https:// links can be opened. This one starts with something else, so it was not followed.',
  'missing-key': 'This link is missing its key: the part after # was cut off.',
};

export function JoinLinkForm({ disabled }: { disabled: boolean }) {
  const { navigate, showBanner } = useNavigation();
  const [link, setLink] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const id = useId();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const result = parseShareLink(link);
    if (!result.ok) return setProblem(PROBLEMS[result.problem]);
    const parsed = result.link;
    if (parsed.origin !== window.location.origin) {
      // The room lives on another Hush server: go there, where its own Join button takes the seat.
      // Only ever the parsed http(s) URL, never the pasted text.
      window.location.assign(parsed.href);
      return;
    }
    setProblem(null);
    const saved = findSavedRoom(parsed.roomId);
    if (saved && !sameKeyText(saved.key, parsed.keyText)) {
      // A room this browser joined with another key: its page asks which key to use before anything is saved.
      navigate(roomPath(parsed.roomId, parsed.keyText));
      return;
    }
    setBusy(true);
    try {
      const room = await joinRoom(parsed.roomId, parsed.keyText);
      navigate(roomPath(room.roomId, parsed.keyText));
    } catch (error) {
      showBanner(bannerForError(error));
      setBusy(false);
    }
  };

  return (
    <form className="card space-y-3" onSubmit={(event) => void submit(event)}>
      <h2 className="text-lg font-semibold">Join with a link</h2>
      <div className="space-y-1">
        <label htmlFor={id} className="label">
          Share link
        </label>
        <input
          id={id}
          data-testid="join-link"
          className="field w-full font-mono text-xs"
          placeholder="https://…/r/…#…"
          value={link}
          autoComplete="off"
          spellCheck={false}
          aria-invalid={problem ? true : undefined}
          aria-describedby={problem ? `${id}-problem` : undefined}
          onChange={(event) => setLink(event.target.value)}
        />
        {problem && (
          <p id={`${id}-problem`} data-testid="join-link-problem" role="alert" className="text-xs text-red-700 dark:text-red-400">
            {problem}
          </p>
        )}
      </div>
      <button type="submit" data-testid="join-link-submit" className="btn-secondary w-full" disabled={disabled || busy || link.trim() === ''}>
        {busy ? 'Joining…' : 'Join room'}
      </button>
    </form>
  );
}
