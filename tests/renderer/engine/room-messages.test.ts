/** The call's data channel messages (room-messages.ts): versioned, schema-checked, bounded, open to new types. */
import { describe, expect, it } from 'vitest';
import {
  encodeRoomMessage,
  MAX_ROOM_MESSAGE_BYTES,
  parseRoomMessage,
  ROOM_PROTOCOL_VERSION,
  type RoomMessageBody,
} from '../../../renderer/engine/room-messages';

describe('room messages', () => {
  it('encodes with the version and parses back what was sent', () => {
    const text = encodeRoomMessage({ type: 'media-state', mic: false, camera: true });
    expect(JSON.parse(text)).toEqual({ v: 1, type: 'media-state', mic: false, camera: true });
    expect(ROOM_PROTOCOL_VERSION).toBe(1);
    expect(parseRoomMessage(text)).toEqual({ ok: true, message: { v: 1, type: 'media-state', mic: false, camera: true } });
  });

  it('ignores a type it does not know: a later peer (a whiteboard, a raised hand) does not break this one', () => {
    for (const type of ['whiteboard', 'hand-raise']) {
      expect(parseRoomMessage(JSON.stringify({ v: 1, type, id: 'x' }))).toEqual({ ok: false, reason: 'unknown-type', type });
    }
  });

  it('takes a known message with fields it does not know (added later), dropping them', () => {
    const parsed = parseRoomMessage(JSON.stringify({ v: 1, type: 'media-state', mic: true, camera: false, screen: true }));
    expect(parsed).toEqual({ ok: true, message: { v: 1, type: 'media-state', mic: true, camera: false } });
  });

  it('ignores a version it does not speak, and says which type it was', () => {
    expect(parseRoomMessage(JSON.stringify({ v: 2, type: 'media-state', mic: true, camera: true }))).toEqual({
      ok: false,
      reason: 'unsupported-version',
      type: 'media-state',
    });
  });

  it('refuses what breaks the schema', () => {
    const cases: [string, string][] = [
      ['{"v":1,"type":"media-state","mic":"no","camera":true}', 'bad-message'],
      ['{"v":1,"type":"media-state","mic":true}', 'bad-message'],
      ['{"type":"media-state","mic":true,"camera":true}', 'bad-message'],
      ['{"v":"1","type":"media-state","mic":true,"camera":true}', 'bad-message'],
      ['[1,2]', 'bad-message'],
      ['null', 'bad-message'],
      ['{"v":1}', 'bad-message'],
      ['{"v":1,"type":"media-', 'bad-json'],
      ['', 'bad-json'],
    ];
    for (const [raw, reason] of cases) expect(parseRoomMessage(raw), raw).toMatchObject({ ok: false, reason });
  });

  it('refuses a message over the size bound before parsing it, counting UTF-8 bytes', () => {
    const padded = (pad: string) => JSON.stringify({ v: 1, type: 'media-state', mic: true, camera: true, pad });
    const head = padded('').length;
    expect(parseRoomMessage(padded('x'.repeat(MAX_ROOM_MESSAGE_BYTES - head))).ok).toBe(true);
    expect(parseRoomMessage(padded('x'.repeat(MAX_ROOM_MESSAGE_BYTES - head + 1)))).toEqual({ ok: false, reason: 'too-large', type: null });
    // Fewer characters than the bound, more bytes: three per character.
    expect(parseRoomMessage(padded('€'.repeat(MAX_ROOM_MESSAGE_BYTES / 2)))).toMatchObject({ ok: false, reason: 'too-large' });
  });

  it('will not encode what the schema refuses', () => {
    expect(() => encodeRoomMessage({ type: 'media-state', mic: 'yes' } as unknown as RoomMessageBody)).toThrow();
  });
});
