/**
 * The room screen's reducer (src/client/room/room-state.ts): messages in seq
 * order and never twice (by seq, and by sender + id for a ciphertext replayed
 * under a new seq), and the optimistic life of an own message.
 */
import { describe, expect, it } from 'vitest';
import { initialRoomState, REJOIN_GRACE_MS, roomReducer, timelineOf, unreadableSenders, type ChatLine, type RoomAction, type RoomState } from '../../src/client/room/room-state.js';

const ME = 'member-me';
const BOB = 'member-bob';
const CAROL = 'member-carol';

const welcome: RoomAction = { type: 'welcome', memberId: ME, expiresAt: 2_000_000, capacity: 3, members: [], clockOffset: 0, resumed: true };

function message(seq: number, id: string, from = BOB, text: string | null = `text ${id}`): RoomAction {
  return { type: 'message', seq, id, from, time: 1000 + seq, name: text === null ? null : 'Bob', text, hello: false };
}

function run(actions: RoomAction[], state: RoomState = initialRoomState({ memberId: '', expiresAt: 1_000_000, capacity: 2, members: [] })): RoomState {
  return actions.reduce(roomReducer, state);
}

const welcomed = () => run([welcome]);
const summary = (lines: ChatLine[]) => lines.map((line) => `${line.seq}:${line.from}:${line.id}:${line.status}`);
const chatLines = (state: RoomState) => timelineOf(state).filter((item): item is ChatLine => item.kind === 'message');

describe('roomReducer: sequenced messages', () => {
  it('orders messages by seq whatever order they arrive in', () => {
    const state = run([message(3, 'c'), message(1, 'a'), message(2, 'b')], welcomed());
    expect(state.messages.map((line) => line.seq)).toEqual([1, 2, 3]);
    expect(state.messages.map((line) => line.text)).toEqual(['text a', 'text b', 'text c']);
    expect(state.receivedCount).toBe(3);
  });

  it('drops a second message under a seq it already has (a replay after reconnecting)', () => {
    const once = run([message(1, 'a')], welcomed());
    const twice = roomReducer(once, message(1, 'a'));
    expect(twice).toBe(once);
    const other = roomReducer(once, message(1, 'different-id'));
    expect(other).toBe(once);
  });

  it('drops the same sender’s message id under a second seq, keeping the first copy', () => {
    const first = run([message(1, 'a', BOB, 'original'), message(2, 'b')], welcomed());
    const replayed = roomReducer(first, message(5, 'a', BOB, 'original'));
    expect(replayed).toBe(first);
    expect(chatLines(replayed).filter((line) => line.id === 'a')).toHaveLength(1);
    // Also when the replay lands before the original in seq order, and when it does not decrypt.
    const earlier = run([message(0, 'a', BOB, null)], first);
    expect(earlier).toBe(first);
    expect(first.messages.find((line) => line.id === 'a')).toMatchObject({ seq: 1, text: 'original' });
    expect(first.receivedCount).toBe(2);
  });

  it('keeps messages of different senders that happen to use the same id', () => {
    const state = run([message(1, 'same', BOB), message(2, 'same', CAROL)], welcomed());
    expect(summary(state.messages)).toEqual([`1:${BOB}:same:received`, `2:${CAROL}:same:received`]);
  });

  it('keeps an undecryptable message as a line with null text and name', () => {
    const state = run([message(1, 'x', BOB, null)], welcomed());
    expect(state.messages[0]).toMatchObject({ text: null, name: null, status: 'received' });
  });

  it('names each other member whose messages it could not open, once, in the order it found out (the notice of different links)', () => {
    const state = run([message(1, 'a', CAROL, 'readable'), message(2, 'b', BOB, null), message(3, 'c', CAROL, null), message(4, 'd', BOB, null)], welcomed());
    expect(unreadableSenders(state.messages)).toEqual([BOB, CAROL]);
    // Our own sends never count: they are acknowledged, not read back.
    expect(unreadableSenders(run([message(5, 'e', ME, null)], welcomed()).messages)).toEqual([]);
    // A replay of one already seen changes nothing.
    expect(roomReducer(state, message(2, 'b', BOB, null))).toBe(state);
  });

  it('learns names from hello messages without showing a line', () => {
    const state = run([{ type: 'message', seq: 1, id: 'h', from: BOB, time: 1, name: 'Bob', text: '', hello: true }], welcomed());
    expect(state.messages).toEqual([]);
    expect(state.names[BOB]).toBe('Bob');
  });

  it('keeps a hello it could not open as a line marked unreadableHello, which is no received message, and names its sender in the notice', () => {
    const state = run([{ type: 'message', seq: 1, id: 'hello-1', from: BOB, time: 1, name: null, text: null, hello: true }], welcomed());
    expect(state.messages).toHaveLength(1);
    expect(state.messages[0]).toMatchObject({ from: BOB, text: null, unreadableHello: true });
    expect(state.receivedCount).toBe(0);
    expect(unreadableSenders(state.messages)).toEqual([BOB]);
    // An unreadable text is an ordinary line; our own hello, unreadable (written with another key earlier), shows nothing.
    expect(run([message(2, 'x', BOB, null)], welcomed()).messages[0]!.unreadableHello).toBeUndefined();
    expect(run([{ type: 'message', seq: 3, id: 'hello-2', from: ME, time: 3, name: null, text: null, hello: true }], welcomed()).messages).toEqual([]);
  });
});

describe('roomReducer: own messages', () => {
  const outgoing = (id: string, from = ME): RoomAction => ({ type: 'outgoing', id, from, name: 'Me', text: `mine ${id}`, time: 5 });

  it('goes pending → sent on its ack, in seq order among the others', () => {
    let state = run([message(1, 'a'), outgoing('m1')], welcomed());
    expect(summary(chatLines(state))).toEqual([`1:${BOB}:a:received`, `null:${ME}:m1:pending`]);
    state = run([message(3, 'c'), { type: 'ack', id: 'm1', seq: 2, time: 42 }], state);
    expect(state.outbox).toEqual([]);
    expect(summary(chatLines(state))).toEqual([`1:${BOB}:a:received`, `2:${ME}:m1:sent`, `3:${BOB}:c:received`]);
    expect(state.messages[1]).toMatchObject({ own: true, text: 'mine m1', time: 42 });
    expect(state.receivedCount).toBe(2);
  });

  it('goes pending → failed → pending (retry) → sent, keeping its id throughout', () => {
    let state = run([outgoing('m1'), { type: 'send-failed', ids: ['m1'] }], welcomed());
    expect(state.outbox).toMatchObject([{ id: 'm1', status: 'failed', seq: null }]);
    state = roomReducer(state, { type: 'retrying', ids: ['m1'] });
    expect(state.outbox).toMatchObject([{ id: 'm1', status: 'pending' }]);
    state = run([{ type: 'send-failed', ids: ['m1'] }, welcome], state);
    expect(state.outbox).toMatchObject([{ id: 'm1', status: 'pending' }]); // a new socket sends it again
    state = roomReducer(state, { type: 'ack', id: 'm1', seq: 1, time: 9 });
    expect(summary(state.messages)).toEqual([`1:${ME}:m1:sent`]);
    // The server answers a repeated id with the original ack: nothing changes.
    expect(roomReducer(state, { type: 'ack', id: 'm1', seq: 1, time: 10 })).toBe(state);
  });

  it('settles a pending message from its own replay (reconnect before the ack), and never shows it twice', () => {
    let state = run([outgoing('m1'), message(4, 'm1', ME, 'mine m1')], welcomed());
    expect(state.outbox).toEqual([]);
    expect(summary(state.messages)).toEqual([`4:${ME}:m1:sent`]);
    state = run([message(4, 'm1', ME), message(7, 'm1', ME), { type: 'ack', id: 'm1', seq: 4, time: 1 }], state);
    expect(summary(chatLines(state))).toEqual([`4:${ME}:m1:sent`]);
  });

  it('dedupes by id a message written before our memberId was known, once acknowledged', () => {
    let state = run([outgoing('m1', ''), welcome, { type: 'ack', id: 'm1', seq: 2, time: 1 }]);
    expect(summary(state.messages)).toEqual([`2:${ME}:m1:sent`]);
    state = roomReducer(state, message(6, 'm1', ME));
    expect(summary(chatLines(state))).toEqual([`2:${ME}:m1:sent`]);
  });
});

describe('roomReducer: presence lines', () => {
  const presence = (online: boolean, at: number): RoomAction => ({
    type: 'presence',
    members: [
      { memberId: ME, online: true },
      { memberId: BOB, online },
    ],
    at,
  });
  const changes = (state: RoomState) => state.presenceLines.map((line) => `${line.memberId}:${line.change}`);

  it('shows a member joining and leaving', () => {
    const state = run([presence(true, 1_000), presence(false, 60_000)], welcomed());
    expect(changes(state)).toEqual([`${BOB}:joined`, `${BOB}:left`]);
  });

  it('takes a "left" back when the member is back within REJOIN_GRACE_MS (a reload), but not after', () => {
    const reload = run([presence(true, 1_000), presence(false, 60_000), presence(true, 60_000 + REJOIN_GRACE_MS)], welcomed());
    expect(changes(reload)).toEqual([`${BOB}:joined`]);
    const away = run([presence(true, 1_000), presence(false, 60_000), presence(true, 60_001 + REJOIN_GRACE_MS)], welcomed());
    expect(changes(away)).toEqual([`${BOB}:joined`, `${BOB}:left`, `${BOB}:joined`]);
  });
});
