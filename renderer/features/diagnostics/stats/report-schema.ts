/**
 * The exported diagnostics report, version 2 (2 added `addresses`): what IT receives when a consultation went wrong. Strict
 * objects at every level, so a field added to the code without a schema change (say, a name) fails
 * validation instead of leaking. Bump DIAGNOSTICS_REPORT_VERSION for any change of shape.
 */
import { z } from 'zod';

export const DIAGNOSTICS_REPORT_SCHEMA = 'clinic-consult/diagnostics';
export const DIAGNOSTICS_REPORT_VERSION = 2;

const nullableNumber = z.number().nullable();

const candidateSchema = z.strictObject({
  id: z.string(),
  side: z.enum(['local', 'remote']),
  candidateType: z.string(),
  protocol: z.string(),
  address: z.string().nullable(),
  port: nullableNumber,
  relayProtocol: z.string().nullable(),
});

const streamSchema = z.strictObject({
  direction: z.enum(['outbound', 'inbound']),
  kind: z.enum(['audio', 'video']),
  bitrateBps: nullableNumber,
  packetLossPct: nullableNumber,
  jitterMs: nullableNumber,
  fps: nullableNumber,
  width: nullableNumber,
  height: nullableNumber,
  codec: z.string().nullable(),
  qualityLimitationReason: z.string().nullable(),
  packets: z.number(),
});

export const statsSampleSchema = z.strictObject({
  t: z.number(),
  streams: z.array(streamSchema),
  pair: z
    .strictObject({
      local: candidateSchema.nullable(),
      remote: candidateSchema.nullable(),
      rttMs: nullableNumber,
      availableOutgoingBitrateBps: nullableNumber,
    })
    .nullable(),
  candidates: z.array(candidateSchema),
  rttMs: nullableNumber,
});

const connectionSchema = z.strictObject({
  signaling: z.string(),
  iceGathering: z.string(),
  iceConnection: z.string(),
  connection: z.string(),
});

export const diagnosticsReportSchema = z.strictObject({
  schema: z.literal(DIAGNOSTICS_REPORT_SCHEMA),
  version: z.literal(DIAGNOSTICS_REPORT_VERSION),
  createdAt: z.iso.datetime(),
  /** 'masked' (the default): every network address replaced by its kind; 'included': the person chose to keep them for IT. */
  addresses: z.enum(['masked', 'included']),
  app: z.strictObject({
    host: z.enum(['electron', 'browser']),
    appVersion: z.string(),
    platform: z.string(),
    chromeVersion: z.string().nullable(),
    userAgent: z.string(),
  }),
  relay: z.strictObject({
    /** Scheme, host, port and path only: no credentials, query or fragment. */
    url: z.string().nullable(),
    status: z.enum(['connecting', 'open', 'reconnecting', 'closed']),
    rttMs: nullableNumber,
  }),
  ice: z
    .strictObject({
      iceServers: z.array(z.strictObject({ urls: z.array(z.string()), hasCredential: z.boolean() })),
      iceTransportPolicy: z.string(),
    })
    .nullable(),
  call: z.strictObject({
    role: z.enum(['clinician', 'patient']).nullable(),
    /** The relay's id of the call, to find it in the relay's logs. */
    callId: z.string().nullable(),
    phase: z.string(),
    endReason: z.string().nullable(),
  }),
  /** How many devices of each kind the browser lists; never their labels (a label can name a person). */
  devices: z.strictObject({ audioinput: z.number().int(), videoinput: z.number().int(), audiooutput: z.number().int() }),
  connection: connectionSchema.nullable(),
  quality: z.strictObject({ level: z.enum(['good', 'fair', 'poor', 'lost']), percent: nullableNumber, reason: z.string() }).nullable(),
  timeline: z.array(z.strictObject({ t: z.number(), event: z.string(), detail: z.string().optional() })),
  /** Derived figures, one per second, for the last minute of the call. */
  samples: z.array(statsSampleSchema),
  /** The last raw getStats report (certificates left out), for what the derived figures do not show. */
  lastReport: z.array(z.looseObject({ id: z.string(), type: z.string(), timestamp: z.number() })),
});

export type DiagnosticsReport = z.infer<typeof diagnosticsReportSchema>;
