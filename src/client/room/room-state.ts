/**
 * Everything a room screen shows, as one immutable state and a pure reducer.
 * RoomConnection turns socket frames (already decrypted) into these actions;
 * React renders the result. No I/O here, so the rules are easy to follow:
 * messages are keyed by seq and by (sender, id) and never shown twice, own messages go
 * pending → sent (or failed → retried), presence changes become join/leave lines.
 */
import type { MemberPresence } from '../../shared/protocol.js';

export type ConnectionStatus = 'connecting' | 'open' | 'reconnecting';

/** Why the room screen closed for good. */
export type RoomEnd = 'expired' | 'destroyed' | 'room_not_found' | 'not_a_member' | 'failure';

export type DeliveryStatus = 'pending' | 'sent' | 'failed' | 'received';

export interface ChatLine {
  kind: 'message';
  id: string;
  /** Null until the server has sequenced it (own pending or failed messages). */
  seq: number | null;
  from: string;
  own: boolean;
  /** Sender's display name from the envelope; null if the body could not be decrypted. */
  name: string | null;
  /** Null when the body could not be decrypted. */
  text: string | null;
  /** Server time for sequenced messages, local time for pending ones. */
  time: number;
  status: DeliveryStatus;
  /** A `hello` this page could not open: shown as its sender joining with another key, not as a message. */
  unreadableHello?: true;
}

export interface PresenceLine {
  kind: 'presence';
  key: string;
  memberId: string;
  change: 'joined' | 'left';
  /** Shown after the message with this seq, so lines keep their place among messages. */
  afterSeq: number;
  time: number;
}

export interface RoomState {
  status: ConnectionStatus;
  end: RoomEnd | null;
  memberId: string;
  expiresAt: number;
  capacity: number;
  /** serverTime − local time at the last welcome; add to Date.now() to read the server's clock. */
  clockOffset: number;
  members: MemberPresence[];
  /** memberId → latest display name learnt from its envelopes. */
  names: Record<string, string>;
  /** Sequenced messages, ordered by seq. */
  messages: ChatLine[];
  /** Own messages not yet sequenced, in the order they were written. */
  outbox: ChatLine[];
  presenceLines: PresenceLine[];
  /** memberId → local time until which "typing…" shows. */
  typingUntil: Record<string, number>;
  /** The server dropped part of the history we asked for (history cap). */
  historyGap: boolean;
  /** Messages from others that arrived since the page opened; drives the unread count. */
  receivedCount: number;
  /** A short-lived problem to show near the composer (e.g. rate limited). */
  notice: string | null;
  welcomed: boolean;
}

export type RoomAction =
  | { type: 'welcome'; memberId: string; expiresAt: number; capacity: number; members: MemberPresence[]; clockOffset: number; resumed: boolean }
  | { type: 'status'; status: ConnectionStatus }
  | { type: 'message'; seq: number; id: string; from: string; time: number; name: string | null; text: string | null; hello: boolean }
  | { type: 'outgoing'; id: string; from: string; name: string; text: string; time: number }
  | { type: 'ack'; id: string; seq: number; time: number }
  | { type: 'send-failed'; ids: string[] }
  | { type: 'retrying'; ids: string[] }
  | { type: 'presence'; members: MemberPresence[]; at: number }
  | { type: 'typing'; from: string; until: number }
  | { type: 'notice'; text: string | null }
  | { type: 'ended'; end: RoomEnd };

export interface InitialRoom {
  memberId: string;
  expiresAt: number;
  capacity: number;
  members: MemberPresence[];
}

export function initialRoomState(room: InitialRoom): RoomState {
  return {
    status: 'connecting',
    end: null,
    memberId: room.memberId,
    expiresAt: room.expiresAt,
    capacity: room.capacity,
    clockOffset: 0,
    members: room.members,
    names: {},
    messages: [],
    outbox: [],
    presenceLines: [],
    typingUntil: {},
    historyGap: false,
    receivedCount: 0,
    notice: null,
    welcomed: false,
  };
}

const lastSeqOf = (state: RoomState) => state.messages.at(-1)?.seq ?? 0;

/** A member back within this long of leaving (a reload, a brief drop) shows neither line: the "left" is taken back. */
export const REJOIN_GRACE_MS = 5_000;

/** Appends presence lines, except that a "joined" soon after the same member's "left" removes that "left" instead. */
function withPresenceLines(existing: PresenceLine[], lines: PresenceLine[]): PresenceLine[] {
  let result = existing;
  for (const line of lines) {
    const last = result.findLast((earlier) => earlier.memberId === line.memberId);
    const back = line.change === 'joined' && last?.change === 'left' && line.time - last.time <= REJOIN_GRACE_MS;
    result = back ? result.filter((earlier) => earlier !== last) : [...result, line];
  }
  return result;
}

/** Join/leave lines for the difference between two presence snapshots. */
function presenceChanges(state: RoomState, next: MemberPresence[], at: number): PresenceLine[] {
  const before = new Map(state.members.map((member) => [member.memberId, member.online]));
  const afterSeq = lastSeqOf(state);
  const lines: PresenceLine[] = [];
  for (const member of next) {
    if (member.memberId === state.memberId) continue;
    const wasOnline = before.get(member.memberId) ?? false;
    if (wasOnline === member.online) continue;
    lines.push({
      kind: 'presence',
      key: `${member.memberId}:${at}:${state.presenceLines.length + lines.length}`,
      memberId: member.memberId,
      change: member.online ? 'joined' : 'left',
      afterSeq,
      time: at,
    });
  }
  return lines;
}

/**
 * Inserts a sequenced line, keeping seq order. Returns the same array when the
 * seq is already there (a replay after a reconnect), or when the same sender's
 * message id is already there under another seq: a ciphertext replayed by the
 * server (or whoever runs its store) under a new seq. The first copy stays.
 */
function insertBySeq(messages: ChatLine[], line: ChatLine): ChatLine[] {
  const seq = line.seq ?? 0;
  if (messages.some((existing) => existing.seq === seq || (existing.id === line.id && existing.from === line.from))) return messages;
  const index = messages.findIndex((existing) => (existing.seq ?? 0) > seq);
  if (index === -1) return [...messages, line];
  return [...messages.slice(0, index), line, ...messages.slice(index)];
}

export function roomReducer(state: RoomState, action: RoomAction): RoomState {
  if (state.end && action.type !== 'ended') return state;
  switch (action.type) {
    case 'welcome': {
      const lines = state.welcomed ? presenceChanges(state, action.members, Date.now()) : [];
      return {
        ...state,
        status: 'open',
        welcomed: true,
        memberId: action.memberId,
        expiresAt: action.expiresAt,
        capacity: action.capacity,
        members: action.members,
        clockOffset: action.clockOffset,
        presenceLines: withPresenceLines(state.presenceLines, lines),
        historyGap: state.historyGap || !action.resumed,
        // Every unsent message is sent again on a new socket (same id, so never twice).
        outbox: state.outbox.map((line) => (line.status === 'failed' ? { ...line, status: 'pending' } : line)),
      };
    }
    case 'status':
      return state.status === action.status ? state : { ...state, status: action.status };
    case 'message': {
      const names = action.name ? { ...state.names, [action.from]: action.name } : state.names;
      const { [action.from]: _wasTyping, ...typingUntil } = state.typingUntil;
      const own = action.from === state.memberId;
      // A hello only names its sender; another member's that this page cannot open still shows, as a sign of another key.
      if (action.hello && (action.text !== null || own)) return { ...state, names, typingUntil };
      const pending = own ? state.outbox.find((line) => line.id === action.id) : undefined;
      const line: ChatLine = {
        kind: 'message',
        id: action.id,
        seq: action.seq,
        from: action.from,
        own,
        name: action.name,
        text: action.text,
        time: action.time,
        status: own ? 'sent' : 'received',
        ...(action.hello ? { unreadableHello: true as const } : {}),
      };
      const messages = insertBySeq(state.messages, line);
      if (messages === state.messages) return state;
      return {
        ...state,
        names,
        typingUntil,
        messages,
        // Our own message replayed after a reconnect settles the pending copy.
        outbox: pending ? state.outbox.filter((entry) => entry !== pending) : state.outbox,
        receivedCount: own || line.unreadableHello ? state.receivedCount : state.receivedCount + 1,
      };
    }
    case 'outgoing':
      return {
        ...state,
        outbox: [
          ...state.outbox,
          { kind: 'message', id: action.id, seq: null, from: action.from, own: true, name: action.name, text: action.text, time: action.time, status: 'pending' },
        ],
      };
    case 'ack': {
      const pending = state.outbox.find((line) => line.id === action.id);
      if (!pending) return state;
      return {
        ...state,
        outbox: state.outbox.filter((line) => line !== pending),
        // Written before our memberId was known, a pending line has from ''; by an ack we know it.
        messages: insertBySeq(state.messages, { ...pending, from: state.memberId || pending.from, seq: action.seq, time: action.time, status: 'sent' }),
        // A message went through: whatever went wrong before (rate limit…) is over.
        notice: null,
      };
    }
    case 'send-failed':
    case 'retrying': {
      const status: DeliveryStatus = action.type === 'send-failed' ? 'failed' : 'pending';
      const ids = new Set(action.ids);
      return { ...state, outbox: state.outbox.map((line) => (ids.has(line.id) ? { ...line, status } : line)) };
    }
    case 'presence': {
      const lines = presenceChanges(state, action.members, action.at);
      return { ...state, members: action.members, presenceLines: withPresenceLines(state.presenceLines, lines) };
    }
    case 'typing':
      return action.from === state.memberId ? state : { ...state, typingUntil: { ...state.typingUntil, [action.from]: action.until } };
    case 'notice':
      return { ...state, notice: action.text };
    case 'ended':
      return state.end ? state : { ...state, end: action.end };
  }
}

export type TimelineItem = ChatLine | PresenceLine;

/** Messages in seq order with presence lines in their place, then the unsent own messages. */
export function timelineOf(state: Pick<RoomState, 'messages' | 'presenceLines' | 'outbox'>): TimelineItem[] {
  const items: TimelineItem[] = [];
  let lineIndex = 0;
  const lines = state.presenceLines;
  for (const message of state.messages) {
    while (lineIndex < lines.length && lines[lineIndex]!.afterSeq < (message.seq ?? 0)) items.push(lines[lineIndex++]!);
    items.push(message);
  }
  while (lineIndex < lines.length) items.push(lines[lineIndex++]!);
  return [...items, ...state.outbox];
}

/** A name to show for a member: the one from its envelopes, or a short anonymous tag. */
/** Other members whose messages this page's key could not open, in seq order of the first: a sign of two different links. */
export function unreadableSenders(messages: readonly ChatLine[]): string[] {
  return [...new Set(messages.filter((line) => line.text === null && !line.own).map((line) => line.from))];
}

export function displayNameOf(state: RoomState, memberId: string): string {
  // Own properties only: a member id is the server's word, and `__proto__` must not find Object.prototype.
  return (Object.hasOwn(state.names, memberId) ? state.names[memberId] : undefined) ?? `member ${memberId.slice(0, 5)}`;
}
