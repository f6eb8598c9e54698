/** Random identifiers and secrets handed out by the relay. */
import { randomBytes, randomInt } from 'node:crypto';
import { CODE_ALPHABET } from './protocol';

/** `length` characters people can type, from an alphabet without look-alikes (0/O, 1/I/L): ~5 bits each. */
export function newTypableCode(length: number): string {
  let code = '';
  for (let i = 0; i < length; i += 1) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return code;
}

/** A consultation code: 8 typable characters, ~39 bits. */
export function newConsultationCode(): string {
  return newTypableCode(8);
}

/** c_ call, p_ participant, k_ consultation; in the store: s_ staff, d_ device credential, i_ invite. */
export function newId(prefix: 'c' | 'p' | 'k' | 's' | 'd' | 'i'): string {
  return `${prefix}_${randomBytes(8).toString('hex')}`;
}
