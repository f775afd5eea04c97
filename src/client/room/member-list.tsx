/** Who holds a seat and who is online. A sidebar on wide screens, a compact line on phones. */
import { memberTag } from '../app/display-name.js';
import { MemberTag } from './member-tag.js';
import { displayNameOf, type RoomState } from './room-state.js';

export function MemberList({ state }: { state: RoomState }) {
  const online = state.members.filter((member) => member.online).length;
  return (
    <aside aria-labelledby="members-title" className="hidden w-56 shrink-0 py-3 md:block" data-testid="members">
      <h2 id="members-title" className="mb-2 text-xs font-semibold tracking-wide text-zinc-500 uppercase dark:text-zinc-400">
        {online} online · {state.members.length}/{state.capacity} seats
      </h2>
      <ul className="space-y-1.5 text-sm">
        {state.members.map((member) => (
          <li key={member.memberId} className="flex items-center gap-2" data-testid="member" data-online={member.online}>
            <span aria-hidden="true" className={`size-2 shrink-0 rounded-full ${member.online ? 'bg-emerald-500' : 'bg-zinc-400 dark:bg-zinc-600'}`} />
            <span className="truncate">
              <bdi>{member.memberId === state.memberId ? 'you' : displayNameOf(state, member.memberId)}</bdi>
              <span className="sr-only">{member.online ? ', online' : ', offline'}</span>
            </span>
            {member.memberId !== state.memberId && <MemberTag memberId={member.memberId} />}
          </li>
        ))}
      </ul>
    </aside>
  );
}

/** The phone-sized version: one line under the header. */
export function MemberSummary({ state }: { state: RoomState }) {
  const others = state.members.filter((member) => member.memberId !== state.memberId && member.online);
  return (
    <p className="truncate text-xs text-zinc-600 md:hidden dark:text-zinc-400" data-testid="members-summary">
      {others.length === 0 ? 'Nobody else is online' : `Online: ${others.map((member) => `${displayNameOf(state, member.memberId)} #${memberTag(member.memberId)}`).join(', ')}`}
      {' · '}
      {state.members.length}/{state.capacity} seats
    </p>
  );
}
