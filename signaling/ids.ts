/** Random identifiers and secrets handed out by the relay. */
import { randomBytes, randomInt } from 'node:crypto';
import { CODE_ALPHABET } from './protocol';

/** A human-typable consultation code: 8 characters, no look-alikes (0/O, 1/I/L), ~39 bits. */
export function newConsultationCode(): string {
  let code = '';
  for (let i = 0; i < 8; i += 1) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return code;
}

export function newId(prefix: 'c' | 'p' | 'k'): string {
  return `${prefix}_${randomBytes(8).toString('hex')}`;
}
