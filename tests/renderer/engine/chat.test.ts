/**
 * Chat in the call, engine side (no React): the messages on the data channel (room-messages.ts), the pure model
 * (chat.ts: delivery states, de-duplication, unread, what is given up), the transcript, and the engine driving it
 * through its real boundaries (fake relay, fake simple-peer): both ways, a closed channel, a restart, the end of
 * the call, another person, leaving, and never a message's text in the timeline.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  acknowledge,
  addOutgoing,
  type ChatState,
  checkChatText,
  EMPTY_CHAT,
  formatTranscript,
  giveUpPending,
  MAX_CHAT_CHARS,
  MAX_CHAT_HISTORY,
  markRead,
  markSent,
  pendingOutgoing,
  receiveChat,
  withoutDirectionControls,
} from '../../../renderer/engine/chat';
import { ConsultEngine } from '../../../renderer/engine/engine';
import type { PeerOptions } from '../../../renderer/engine/peer';
import { encodeRoomMessage, MAX_ROOM_MESSAGE_BYTES, parseRoomMessage } from '../../../renderer/engine/room-messages';
import { FakePeer, FakeTransport, fakeStream, fakeTrack, NO_ICE, welcome, whenSent } from './fakes';

const DOCTOR = { id: 'p_doc', name: 'Dr. Who', role: 'clinician' as const };
const OTHER_DOCTOR = { id: 'p_doc2', name: 'Dr. Lee', role: 'clinician' as const };

describe('chat messages on the data channel', () => {
  it('encodes and parses chat and chat-ack, version 1', () => {
    const chat = encodeRoomMessage({ type: 'chat', id: 'm-1_a', text: 'Take 2 a day', sentAt: 1_700_000_000_000 });
    expect(JSON.parse(chat)).toEqual({ v: 1, type: 'chat', id: 'm-1_a', text: 'Take 2 a day', sentAt: 1_700_000_000_000 });
    expect(parseRoomMessage(chat)).toMatchObject({ ok: true, message: { type: 'chat', text: 'Take 2 a day' } });
    expect(parseRoomMessage(encodeRoomMessage({ type: 'chat-ack', id: 'm-1_a' }))).toEqual({
      ok: true,
      message: { v: 1, type: 'chat-ack', id: 'm-1_a' },
    });
  });

  it(`takes ${MAX_CHAT_CHARS} characters (emoji count as one, within the byte bound) and refuses one more on receipt`, () => {
    const at = (text: string) => JSON.stringify({ v: 1, type: 'chat', id: 'm1', text, sentAt: 1 });
    const emoji = '🩺'.repeat(MAX_CHAT_CHARS); // 4 UTF-8 bytes each
    expect(new TextEncoder().encode(at(emoji)).length).toBeLessThan(MAX_ROOM_MESSAGE_BYTES);
    expect(parseRoomMessage(at(emoji)).ok).toBe(true);
    expect(parseRoomMessage(at('x'.repeat(MAX_CHAT_CHARS))).ok).toBe(true);
    expect(parseRoomMessage(at('x'.repeat(MAX_CHAT_CHARS + 1)))).toEqual({ ok: false, reason: 'bad-message', type: 'chat' });
    expect(parseRoomMessage(at(`${emoji}x`))).toMatchObject({ ok: false, reason: 'bad-message' });
    expect(() => encodeRoomMessage({ type: 'chat', id: 'm1', text: 'x'.repeat(MAX_CHAT_CHARS + 1), sentAt: 1 })).toThrow();
  });

  it('refuses a chat message that breaks the schema', () => {
    const cases = [
      { v: 1, type: 'chat', id: 'm1', text: '', sentAt: 1 },
      { v: 1, type: 'chat', id: 'has space', text: 'hi', sentAt: 1 },
      { v: 1, type: 'chat', id: 'x'.repeat(65), text: 'hi', sentAt: 1 },
      { v: 1, type: 'chat', id: 'm1', text: 'hi', sentAt: -1 },
      { v: 1, type: 'chat', id: 'm1', text: 'hi' },
      { v: 1, type: 'chat', id: 'm1', text: 7, sentAt: 1 },
      { v: 1, type: 'chat-ack' },
    ];
    for (const raw of cases)
      expect(parseRoomMessage(JSON.stringify(raw)), JSON.stringify(raw)).toMatchObject({ ok: false, reason: 'bad-message' });
  });
});

describe('direction controls', () => {
  it('are taken out of what is sent and what is shown, so a link cannot be made to read as another address', () => {
    expect(checkChatText('see \u202Ehttps://evil.example/moc.cinilc\u202C')).toEqual({
      ok: true,
      text: 'see https://evil.example/moc.cinilc',
    });
    expect(withoutDirectionControls('\u2066a\u2069 \u200Fשלום')).toBe('a \u200Fשלום'); // right-to-left marks stay
  });
});

describe('the chat model', () => {
  it('checks text before sending: trimmed, line breaks kept, never cut, a clear error over the limit', () => {
    expect(checkChatText('  hello\r\nthere \n')).toEqual({ ok: true, text: 'hello\nthere' });
    expect(checkChatText(' \n\t')).toMatchObject({ ok: false, code: 'CHAT_EMPTY' });
    expect(checkChatText('x'.repeat(MAX_CHAT_CHARS))).toMatchObject({ ok: true });
    expect(checkChatText('🩺'.repeat(MAX_CHAT_CHARS))).toMatchObject({ ok: true });
    const over = checkChatText('x'.repeat(MAX_CHAT_CHARS + 1));
    expect(over).toEqual({
      ok: false,
      code: 'CHAT_TOO_LONG',
      message: 'This message has 2,001 characters; a message can have at most 2,000. Shorten it or send it in parts.',
    });
  });

  it('an outgoing message goes sending → sent → delivered; an ack for nothing of ours changes nothing', () => {
    let chat = addOutgoing(EMPTY_CHAT, { id: 'a', text: 'one', at: 10 }, false);
    expect(chat.messages).toEqual([{ id: 'a', direction: 'out', text: 'one', at: 10, sentAt: 10, state: 'sending' }]);
    chat = markSent(chat, new Set(['a']));
    expect(chat.messages[0]?.state).toBe('sent');
    chat = addOutgoing(chat, { id: 'b', text: 'two', at: 11 }, true);
    expect(pendingOutgoing(chat).map((m) => m.id)).toEqual(['a', 'b']);
    chat = acknowledge(chat, 'b');
    expect(chat.messages.map((m) => m.state)).toEqual(['sent', 'delivered']);
    expect(acknowledge(chat, 'b')).toBe(chat);
    expect(acknowledge(chat, 'nope')).toBe(chat);
    expect(pendingOutgoing(chat).map((m) => m.id)).toEqual(['a']);
  });

  it('keeps one incoming message per id and counts what was not seen', () => {
    let chat: ChatState = EMPTY_CHAT;
    let step = receiveChat(chat, { id: 'x', text: 'hi', sentAt: 5 }, 100);
    expect(step.isNew).toBe(true);
    chat = step.chat;
    step = receiveChat(chat, { id: 'x', text: 'hi', sentAt: 5 }, 200); // sent again after a reconnect
    expect(step).toEqual({ chat, isNew: false });
    chat = receiveChat(chat, { id: 'y', text: 'there', sentAt: 6 }, 300).chat;
    expect(chat.unread).toBe(2);
    expect(chat.messages).toEqual([
      { id: 'x', direction: 'in', text: 'hi', at: 100, sentAt: 5, state: 'received' },
      { id: 'y', direction: 'in', text: 'there', at: 300, sentAt: 6, state: 'received' },
    ]);
    chat = markRead(chat);
    expect(chat.unread).toBe(0);
    expect(markRead(chat)).toBe(chat);
    expect(receiveChat(chat, { id: 'z', text: 'seen', sentAt: 7 }, 400, true).chat.unread).toBe(0); // the panel is open
    // An incoming id equal to one of ours is another message: ids are the sender's.
    const mixed = receiveChat(
      addOutgoing(EMPTY_CHAT, { id: 'same', text: 'mine', at: 1 }, true),
      { id: 'same', text: 'yours', sentAt: 2 },
      3,
    );
    expect(mixed.chat.messages.map((m) => m.direction)).toEqual(['out', 'in']);
  });

  it('gives up on what was never acknowledged when the call ends; a late ack does not revive it', () => {
    let chat = addOutgoing(EMPTY_CHAT, { id: 'a', text: 'one', at: 1 }, true);
    chat = addOutgoing(chat, { id: 'b', text: 'two', at: 2 }, false);
    chat = addOutgoing(chat, { id: 'c', text: 'three', at: 3 }, true);
    chat = acknowledge(chat, 'c');
    chat = giveUpPending(chat);
    expect(chat.messages.map((m) => m.state)).toEqual(['not-delivered', 'not-delivered', 'delivered']);
    expect(pendingOutgoing(chat)).toEqual([]);
    expect(acknowledge(chat, 'a')).toBe(chat);
    expect(giveUpPending(chat)).toBe(chat);
  });

  it(`keeps at most ${MAX_CHAT_HISTORY} messages, the newest`, () => {
    let chat: ChatState = EMPTY_CHAT;
    for (let i = 0; i < MAX_CHAT_HISTORY + 5; i += 1) chat = receiveChat(chat, { id: `m${i}`, text: 'flood', sentAt: i }, i).chat;
    expect(chat.messages).toHaveLength(MAX_CHAT_HISTORY);
    expect(chat.messages[0]?.id).toBe('m5');
  });

  it('writes a plain-text transcript: who, when, what was not delivered, continuation lines indented', () => {
    let chat = addOutgoing(EMPTY_CHAT, { id: 'a', text: 'Hello Anna', at: Date.UTC(2026, 10, 30, 9, 0, 5) }, true);
    chat = acknowledge(chat, 'a');
    chat = receiveChat(chat, { id: 'b', text: 'Hi!\nMy dose is 5 mg', sentAt: 0 }, Date.UTC(2026, 10, 30, 9, 1, 0)).chat;
    chat = giveUpPending(addOutgoing(chat, { id: 'c', text: 'Lost one', at: Date.UTC(2026, 10, 30, 9, 2, 0) }, true));
    const text = formatTranscript(chat, {
      selfName: 'Dr. Rivera',
      peerName: 'Anna Berg',
      exportedAt: Date.UTC(2026, 10, 30, 9, 3, 0),
      formatTime: (ms) => new Date(ms).toISOString().slice(0, 19).replace('T', ' '),
    });
    expect(text).toBe(
      [
        'Clinic Consult: chat transcript',
        'Between Dr. Rivera and Anna Berg; exported 2026-11-30 09:03:00.',
        'Times are when each message was written (yours) or arrived (theirs), on this computer.',
        '',
        '[2026-11-30 09:00:05] Dr. Rivera: Hello Anna',
        '[2026-11-30 09:01:00] Anna Berg: Hi!',
        '    My dose is 5 mg',
        '[2026-11-30 09:02:00] Dr. Rivera (not delivered): Lost one',
        '',
      ].join('\n'),
    );
  });
});

// ---- the engine ------------------------------------------------------------------------------------------------

interface Rig {
  engine: ConsultEngine;
  transport: FakeTransport;
  peers: FakePeer[];
}

const engines: ConsultEngine[] = [];

function rig(): Rig {
  const transport = new FakeTransport();
  const peers: FakePeer[] = [];
  const engine = new ConsultEngine({
    transport,
    getUserMedia: async () => fakeStream('local', [fakeTrack('audio'), fakeTrack('video')]),
    createPeer: (options: PeerOptions) => {
      const peer = new FakePeer(options);
      peers.push(peer);
      return peer;
    },
  });
  engines.push(engine);
  return { engine, transport, peers };
}

/** A patient in a call with `peer`; `connect: false` leaves its data channel closed. */
async function inCall(r: Rig, callId = 'c_1', peer = DOCTOR, options: { connect?: boolean } = {}): Promise<FakePeer> {
  if (!r.engine.getSnapshot().consultation) {
    await r.engine.join({ shortCode: 'ABCD-2345' }, 'Amy');
    await whenSent(r.transport, 'join');
    r.transport.receive(welcome('patient'));
  }
  r.transport.receive({ type: 'call-start', callId, initiator: false, peer, ice: NO_ICE });
  const created = r.peers.at(-1);
  if (!created) throw new Error('no peer');
  if (options.connect !== false) {
    created.emit('connect');
    created.emit('stream', fakeStream('remote'));
  }
  return created;
}

type Sent = { type: string; id?: string; text?: string };
const sentOf = (peer: FakePeer, type: string): Sent[] =>
  peer.sentTexts.map((text) => JSON.parse(text) as Sent).filter((message) => message.type === type);
const say = (peer: FakePeer, message: unknown) => peer.emit('data', JSON.stringify(message));
const states = (r: Rig) => r.engine.getSnapshot().chat.messages.map((m) => `${m.direction}:${m.text}:${m.state}`);

afterEach(() => {
  const illegal = engines.splice(0).flatMap((engine) => engine.timelineEntries().filter((e) => e.event === 'phase-illegal'));
  expect(illegal.map((e) => e.detail)).toEqual([]);
});

describe('chat through the engine', () => {
  it('sends on the open channel, and the other app’s ack is the delivery tick', async () => {
    const r = rig();
    const peer = await inCall(r);
    const outcome = r.engine.sendChat('  Your results are fine  ');
    expect(outcome.ok).toBe(true);
    const [sent] = sentOf(peer, 'chat');
    expect(sent).toMatchObject({ type: 'chat', text: 'Your results are fine' });
    expect(sent?.id).toBe(outcome.ok ? outcome.id : null);
    expect(states(r)).toEqual(['out:Your results are fine:sent']);
    say(peer, { v: 1, type: 'chat-ack', id: sent?.id });
    expect(states(r)).toEqual(['out:Your results are fine:delivered']);
    expect(r.engine.getSnapshot().chat.unread).toBe(0);
  });

  it('receives: unread until read, acknowledged every time it comes, shown once', async () => {
    const r = rig();
    const peer = await inCall(r);
    say(peer, { v: 1, type: 'chat', id: 'd1', text: 'Hello Amy', sentAt: 5 });
    expect(states(r)).toEqual(['in:Hello Amy:received']);
    expect(r.engine.getSnapshot().chat.unread).toBe(1);
    expect(sentOf(peer, 'chat-ack')).toEqual([{ v: 1, type: 'chat-ack', id: 'd1' }]);
    say(peer, { v: 1, type: 'chat', id: 'd1', text: 'Hello Amy', sentAt: 5 }); // its sender did not get the ack
    expect(states(r)).toEqual(['in:Hello Amy:received']);
    expect(sentOf(peer, 'chat-ack')).toHaveLength(2);
    r.engine.markChatRead();
    expect(r.engine.getSnapshot().chat.unread).toBe(0);
  });

  it('two engines chat both ways, each tick from the other’s ack', async () => {
    const patient = rig();
    const doctor = rig();
    const patientPeer = await inCall(patient);
    const doctorPeer = await inCall(doctor, 'c_1', { id: 'p_pat', name: 'Amy', role: 'patient' as never });
    // Roles do not matter to chat (both rigs join as patients). The wire: what one side sends reaches the other, in order.
    const deliver = (from: FakePeer, to: FakePeer, already: number): number => {
      for (const text of from.sentTexts.slice(already)) to.emit('data', text);
      return from.sentTexts.length;
    };
    let fromPatient = patientPeer.sentTexts.length;
    let fromDoctor = doctorPeer.sentTexts.length;
    doctor.engine.sendChat('How are you?');
    fromDoctor = deliver(doctorPeer, patientPeer, fromDoctor);
    patient.engine.sendChat('Better, thanks');
    fromPatient = deliver(patientPeer, doctorPeer, fromPatient);
    fromDoctor = deliver(doctorPeer, patientPeer, fromDoctor);
    deliver(patientPeer, doctorPeer, fromPatient);
    expect(states(doctor)).toEqual(['out:How are you?:delivered', 'in:Better, thanks:received']);
    expect(states(patient)).toEqual(['in:How are you?:received', 'out:Better, thanks:delivered']);
    expect(doctor.engine.getSnapshot().chat.unread).toBe(1);
    expect(patient.engine.getSnapshot().chat.unread).toBe(1);
  });

  it('refuses an over-long message with the reason, and sends nothing', async () => {
    const r = rig();
    const peer = await inCall(r);
    const before = peer.sentTexts.length;
    expect(r.engine.sendChat('x'.repeat(MAX_CHAT_CHARS + 1))).toMatchObject({ ok: false, code: 'CHAT_TOO_LONG' });
    expect(r.engine.sendChat('   ')).toMatchObject({ ok: false, code: 'CHAT_EMPTY' });
    expect(peer.sentTexts).toHaveLength(before);
    expect(r.engine.getSnapshot().chat.messages).toEqual([]);
  });

  it('an over-long message from the other side is not taken, nor acknowledged', async () => {
    const r = rig();
    const peer = await inCall(r);
    say(peer, { v: 1, type: 'chat', id: 'big', text: 'x'.repeat(MAX_CHAT_CHARS + 1), sentAt: 1 });
    expect(r.engine.getSnapshot().chat.messages).toEqual([]);
    expect(sentOf(peer, 'chat-ack')).toEqual([]);
    expect(
      r.engine
        .timelineEntries()
        .filter((e) => e.event === 'room-message-ignored')
        .map((e) => e.detail),
    ).toEqual(['bad-message (chat)']);
  });

  it('with the channel closed a message waits, and goes when it opens', async () => {
    const r = rig();
    const peer = await inCall(r, 'c_1', DOCTOR, { connect: false });
    r.engine.sendChat('first');
    r.engine.sendChat('second');
    expect(peer.sentTexts).toEqual([]);
    expect(states(r)).toEqual(['out:first:sending', 'out:second:sending']);
    peer.emit('connect');
    expect(sentOf(peer, 'chat').map((m) => m.text)).toEqual(['first', 'second']);
    expect(states(r)).toEqual(['out:first:sent', 'out:second:sent']);
  });

  it('a restart with the same person keeps the chat and sends again what has no tick (same ids: shown once there)', async () => {
    const r = rig();
    const first = await inCall(r);
    say(first, { v: 1, type: 'chat', id: 'd1', text: 'from the doctor', sentAt: 1 });
    r.engine.sendChat('acked');
    r.engine.sendChat('lost ack');
    const [acked, lost] = sentOf(first, 'chat');
    say(first, { v: 1, type: 'chat-ack', id: acked?.id });
    r.transport.receive({ type: 'call-ended', callId: 'c_1', reason: 'replaced', by: null });
    const second = await inCall(r, 'c_2', DOCTOR, { connect: false });
    r.engine.sendChat('while reconnecting');
    expect(states(r)).toEqual([
      'in:from the doctor:received',
      'out:acked:delivered',
      'out:lost ack:sent',
      'out:while reconnecting:sending',
    ]);
    second.emit('connect');
    const resent = sentOf(second, 'chat');
    expect(resent.map((m) => m.text)).toEqual(['lost ack', 'while reconnecting']);
    expect(resent[0]?.id).toBe(lost?.id);
    expect(
      r.engine
        .timelineEntries()
        .filter((e) => e.event === 'chat-resent')
        .map((e) => e.detail),
    ).toEqual(['2 of 2']);
  });

  it('the end of the call leaves what has no tick "not delivered"; a finished call hears nothing', async () => {
    const r = rig();
    const peer = await inCall(r);
    r.engine.sendChat('too late');
    r.engine.hangUp();
    expect(states(r)).toEqual(['out:too late:not-delivered']);
    say(peer, { v: 1, type: 'chat', id: 'after', text: 'ghost', sentAt: 1 });
    expect(r.engine.getSnapshot().chat.messages).toHaveLength(1);
    expect(r.engine.sendChat('no call')).toMatchObject({ ok: false, code: 'CHAT_NO_CALL' });
    expect(
      r.engine
        .timelineEntries()
        .filter((e) => e.event === 'chat-not-delivered')
        .map((e) => e.detail),
    ).toEqual(['1']);
  });

  it('a new call with the same person shows the chat so far; with someone else, an empty one', async () => {
    const r = rig();
    const peer = await inCall(r);
    say(peer, { v: 1, type: 'chat', id: 'd1', text: 'see you again', sentAt: 1 });
    r.engine.hangUp();
    await inCall(r, 'c_2', DOCTOR);
    expect(states(r)).toEqual(['in:see you again:received']);
    r.engine.hangUp();
    await inCall(r, 'c_3', OTHER_DOCTOR);
    expect(r.engine.getSnapshot().chat).toEqual({ messages: [], unread: 0 });
  });

  it('nothing is kept after the consultation: leaving, or the consultation closing, empties it', async () => {
    const r = rig();
    let peer = await inCall(r);
    say(peer, { v: 1, type: 'chat', id: 'd1', text: 'private', sentAt: 1 });
    r.engine.leave();
    expect(r.engine.getSnapshot().chat).toEqual({ messages: [], unread: 0 });

    const other = rig();
    peer = await inCall(other);
    say(peer, { v: 1, type: 'chat', id: 'd1', text: 'private', sentAt: 1 });
    other.transport.receive({ type: 'consultation-closed', reason: 'clinician-left' });
    expect(other.engine.getSnapshot().chat.messages).toEqual([]);
  });

  it('never puts a message’s text in the timeline (it is exported for IT)', async () => {
    const r = rig();
    const peer = await inCall(r, 'c_1', DOCTOR, { connect: false });
    r.engine.sendChat('SECRET-OUT before the channel');
    peer.emit('connect');
    r.engine.sendChat('SECRET-OUT on the channel');
    say(peer, { v: 1, type: 'chat', id: 'd1', text: 'SECRET-IN', sentAt: 1 });
    say(peer, { v: 1, type: 'chat', id: 'd2', text: `SECRET-IN ${'x'.repeat(MAX_CHAT_CHARS)}`, sentAt: 1 });
    r.engine.sendChat('SECRET-OUT unacknowledged');
    r.engine.hangUp();
    expect(JSON.stringify(r.engine.timelineEntries())).not.toMatch(/SECRET/);
  });
});
