import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PHASE_EVENTS, PHASES, type Phase, TRANSITIONS, transition } from '../../../renderer/engine/phase';

/** The diagram in phase.ts's header, expanded to `from ─ event ─▶ to` lines. */
function diagramEdges(): string[] {
  const source = readFileSync(new URL('../../../renderer/engine/phase.ts', import.meta.url), 'utf8');
  const header = source.slice(0, source.indexOf('*/'));
  const edges: string[] = [];
  for (const match of header.matchAll(/^ \*\s+([a-z|]+)\s+─ ([a-z-]+)\s+─▶ ([a-z]+)/gm)) {
    const [, from = '', event = '', to = ''] = match;
    for (const phase of from.split('|')) edges.push(`${phase} ─ ${event} ─▶ ${to === 'same' ? phase : to}`);
  }
  return edges.sort();
}

function tableEdges(): string[] {
  const edges: string[] = [];
  for (const [from, byEvent] of TRANSITIONS) for (const [event, to] of byEvent) edges.push(`${from} ─ ${event} ─▶ ${to}`);
  return edges.sort();
}

describe('the phase machine', () => {
  it('is exactly the diagram in its header', () => {
    const drawn = diagramEdges();
    expect(drawn.length).toBeGreaterThan(40);
    expect(tableEdges()).toEqual(drawn);
  });

  it('answers every (phase, event) pair: the next phase, or null when illegal', () => {
    for (const phase of PHASES) {
      for (const event of PHASE_EVENTS) {
        const next = transition(phase, event);
        expect(next === null || PHASES.includes(next)).toBe(true);
      }
    }
    expect(transition('idle', 'call-started')).toBeNull(); // no call before media and a consultation
    expect(transition('previewing', 'call-up')).toBeNull();
    expect(transition('connected', 'relay-lost')).toBeNull(); // media flows peer to peer: the call goes on
    expect(transition('connected', 'seat-lost')).toBeNull();
  });

  it('reaches every phase from idle', () => {
    const seen = new Set<Phase>(['idle']);
    const queue: Phase[] = ['idle'];
    for (let phase = queue.shift(); phase; phase = queue.shift()) {
      for (const next of TRANSITIONS.get(phase)?.values() ?? []) {
        if (!seen.has(next)) {
          seen.add(next);
          queue.push(next);
        }
      }
    }
    expect([...seen].sort()).toEqual([...PHASES].sort());
  });

  it('lets a person leave from every phase, and admits a new call after one ended or failed', () => {
    for (const phase of PHASES) expect(transition(phase, 'left')).toBe('ended');
    expect(transition('ended', 'call-started')).toBe('connecting');
    expect(transition('failed', 'call-started')).toBe('connecting');
    expect(transition('failed', 'seat-lost')).toBe('previewing');
  });

  it('keeps a restart in "reconnecting" until its call is up', () => {
    expect(transition('connected', 'call-broke')).toBe('reconnecting');
    expect(transition('reconnecting', 'call-started')).toBe('reconnecting');
    expect(transition('reconnecting', 'call-replaced')).toBe('reconnecting');
    expect(transition('reconnecting', 'call-up')).toBe('connected');
    expect(transition('connecting', 'call-broke')).toBeNull(); // never connected: diagnosed, not recovered
  });
});
