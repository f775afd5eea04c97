/** The rooms this browser holds a seat in, to switch between them. */
import { useNavigation } from '../app/navigation.js';
import { roomPath } from '../app/routes.js';
import { formatRemaining } from '../room/format-time.js';
import { useLiveRooms } from './use-live-rooms.js';

export function SavedRoomsList() {
  const rooms = useLiveRooms();
  const { navigate } = useNavigation();
  if (rooms.length === 0) return null;
  return (
    <section className="card space-y-3" aria-labelledby="saved-rooms-title">
      <h2 id="saved-rooms-title" className="text-lg font-semibold">
        Your rooms
      </h2>
      <ul className="divide-y divide-zinc-200 dark:divide-zinc-800">
        {rooms.map((room) => (
          <li key={room.roomId} data-testid="saved-room" data-room-id={room.roomId}>
            <a
              href={roomPath(room.roomId, room.key)}
              className="flex items-center justify-between gap-3 rounded px-2 py-2 hover:bg-zinc-100 focus-visible:outline-2 focus-visible:outline-emerald-500 dark:hover:bg-zinc-800"
              onClick={(event) => {
                event.preventDefault();
                navigate(roomPath(room.roomId, room.key));
              }}
            >
              <span className="font-mono text-sm">{room.roomId.slice(0, 8)}…</span>
              <span className="text-xs text-zinc-500 dark:text-zinc-400">
                {room.capacity} seats · ends in {formatRemaining(room.expiresAt - Date.now())}
              </span>
            </a>
          </li>
        ))}
      </ul>
    </section>
  );
}
