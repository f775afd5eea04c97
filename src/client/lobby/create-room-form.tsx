/** Creates a room with a chosen lifetime and size, takes the first seat, and opens it. */
import { useEffect, useId, useState, type FormEvent } from 'react';
import type { RoomLimits } from '../../shared/protocol.js';
import { roomsApi } from '../api/rooms-api.js';
import { bannerForError } from '../app/banners.js';
import { useNavigation } from '../app/navigation.js';
import { roomPath } from '../app/routes.js';
import { createAndJoinRoom } from './enter-room.js';
import { DEFAULT_LIMITS, keptChoice, lifetimeChoices, lifetimeLabel, sizeChoices } from './room-choices.js';

export function CreateRoomForm({ disabled }: { disabled: boolean }) {
  const { navigate, showBanner } = useNavigation();
  const [limits, setLimits] = useState<RoomLimits>(DEFAULT_LIMITS);
  const [ttlSeconds, setTtlSeconds] = useState(DEFAULT_LIMITS.ttlSeconds.default);
  const [capacity, setCapacity] = useState(DEFAULT_LIMITS.capacity.default);
  const [busy, setBusy] = useState(false);
  const ttlId = useId();
  const sizeId = useId();

  // Offer what this server accepts, preselecting its defaults; if it cannot be asked, the usual ones stand.
  // A choice made before the answer came is kept if the server offers it too.
  useEffect(() => {
    let current = true;
    roomsApi.limits().then(
      (answer) => {
        if (!current) return;
        setLimits(answer);
        setTtlSeconds((chosen) => keptChoice(chosen, DEFAULT_LIMITS.ttlSeconds, answer.ttlSeconds, lifetimeChoices(answer)));
        setCapacity((chosen) => keptChoice(chosen, DEFAULT_LIMITS.capacity, answer.capacity, sizeChoices(answer)));
      },
      () => undefined,
    );
    return () => {
      current = false;
    };
  }, []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    try {
      const room = await createAndJoinRoom({ ttlSeconds, capacity });
      navigate(roomPath(room.roomId, room.keyText));
    } catch (error) {
      showBanner(bannerForError(error));
      setBusy(false);
    }
  };

  return (
    <form className="card space-y-4" onSubmit={(event) => void submit(event)} aria-labelledby={`${ttlId}-title`}>
      <h2 id={`${ttlId}-title`} className="text-lg font-semibold">
        New room
      </h2>
      <div className="grid grid-cols-2 gap-3">
        <div className="space-y-1">
          <label htmlFor={ttlId} className="label">
            Self-destructs after
          </label>
          <select id={ttlId} data-testid="room-lifetime" className="field w-full" value={ttlSeconds} onChange={(event) => setTtlSeconds(Number(event.target.value))}>
            {lifetimeChoices(limits).map((seconds) => (
              <option key={seconds} value={seconds}>
                {lifetimeLabel(seconds)}
              </option>
            ))}
          </select>
        </div>
        <div className="space-y-1">
          <label htmlFor={sizeId} className="label">
            People
          </label>
          <select id={sizeId} data-testid="room-size" className="field w-full" value={capacity} onChange={(event) => setCapacity(Number(event.target.value))}>
            {sizeChoices(limits).map((size) => (
              <option key={size} value={size}>
                {size}
              </option>
            ))}
          </select>
        </div>
      </div>
      <button type="submit" data-testid="create-room" className="btn-primary w-full" disabled={disabled || busy}>
        {busy ? 'Creating…' : 'Create a private room'}
      </button>
      <p className="text-xs text-zinc-500 dark:text-zinc-400">
        The key is made in this browser and travels only in the link’s #fragment, which is never sent to the server.
      </p>
    </form>
  );
}
