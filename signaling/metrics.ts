/**
 * Prometheus metrics for IT (GET /metrics when the relay runs with --metrics): how many people and calls the
 * relay carries, how calls end, what it refuses and why, and the process's own health (CPU, memory, event
 * loop lag). Counts only: no names, codes or addresses ever become labels.
 */
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { ClientMessage, ErrorCode } from './protocol';

export interface RelayCounts {
  connections: number;
  consultations: number;
  participants: number;
  calls: number;
}

export interface RelayMetrics {
  messageAccepted(type: ClientMessage['type']): void;
  messageRejected(code: ErrorCode): void;
  upgradeRefused(reason: string): void;
  /** The relay closed a socket on its own account (e.g. 'identify deadline'). */
  socketClosed(reason: string): void;
  callStarted(): void;
  callEnded(reason: string): void;
  /** The exposition text and its content type. */
  scrape(): Promise<{ contentType: string; body: string }>;
}

export function createRelayMetrics(counts: () => RelayCounts): RelayMetrics {
  const register = new Registry();
  const gauge = (name: keyof RelayCounts, help: string): void => {
    new Gauge({
      name: `clinic_relay_${name}`,
      help,
      registers: [register],
      collect() {
        this.set(counts()[name]);
      },
    });
  };
  gauge('connections', 'Open WebSocket connections.');
  gauge('consultations', 'Open consultations.');
  gauge('participants', 'Clinicians and patients with a place in a consultation (connected or within their grace period).');
  gauge('calls', 'Calls in progress.');
  const messages = new Counter({
    name: 'clinic_relay_messages_total',
    help: 'Client messages accepted, by type.',
    labelNames: ['type'],
    registers: [register],
  });
  const rejected = new Counter({
    name: 'clinic_relay_rejected_messages_total',
    help: 'Client messages refused, by error code.',
    labelNames: ['code'],
    registers: [register],
  });
  const refused = new Counter({
    name: 'clinic_relay_refused_upgrades_total',
    help: 'WebSocket connections refused, by reason.',
    labelNames: ['reason'],
    registers: [register],
  });
  const closedByRelay = new Counter({
    name: 'clinic_relay_closed_sockets_total',
    help: 'Sockets the relay closed on its own account, by reason.',
    labelNames: ['reason'],
    registers: [register],
  });
  const started = new Counter({
    name: 'clinic_relay_calls_started_total',
    help: 'Calls started (admissions and restarts).',
    registers: [register],
  });
  const ended = new Counter({
    name: 'clinic_relay_calls_ended_total',
    help: 'Calls ended, by reason.',
    labelNames: ['reason'],
    registers: [register],
  });
  collectDefaultMetrics({ register, prefix: 'clinic_relay_' });
  return {
    messageAccepted: (type) => messages.inc({ type }),
    messageRejected: (code) => rejected.inc({ code }),
    upgradeRefused: (reason) => refused.inc({ reason }),
    socketClosed: (reason) => closedByRelay.inc({ reason }),
    callStarted: () => started.inc(),
    callEnded: (reason) => ended.inc({ reason }),
    scrape: async () => ({ contentType: register.contentType, body: await register.metrics() }),
  };
}
