/**
 * A read-only window onto the engine for tools (e2e tests, the demo, benchmarks, support staff in DevTools):
 * the timeline and a summary of the media actually flowing. It cannot change anything.
 */
import type { ConsultEngine } from '../../engine/engine';
import type { TimelineEntry } from '../../engine/timeline';

export interface MediaSummary {
  /** Video frames decoded from the other side so far. */
  framesDecoded: number;
  frameWidth: number;
  frameHeight: number;
  audioPacketsReceived: number;
  bytesReceived: number;
  bytesSent: number;
}

export interface ClinicDiagnostics {
  timeline(): TimelineEntry[];
  media(): Promise<MediaSummary | null>;
}

declare global {
  interface Window {
    clinicDiagnostics?: ClinicDiagnostics;
  }
}

export async function summarizeMedia(pc: RTCPeerConnection): Promise<MediaSummary> {
  const summary: MediaSummary = {
    framesDecoded: 0,
    frameWidth: 0,
    frameHeight: 0,
    audioPacketsReceived: 0,
    bytesReceived: 0,
    bytesSent: 0,
  };
  const report = await pc.getStats();
  report.forEach((stat: Record<string, unknown>) => {
    if (stat.type === 'inbound-rtp' && stat.kind === 'video') {
      summary.framesDecoded += Number(stat.framesDecoded ?? 0);
      summary.frameWidth = Number(stat.frameWidth ?? summary.frameWidth);
      summary.frameHeight = Number(stat.frameHeight ?? summary.frameHeight);
      summary.bytesReceived += Number(stat.bytesReceived ?? 0);
    } else if (stat.type === 'inbound-rtp' && stat.kind === 'audio') {
      summary.audioPacketsReceived += Number(stat.packetsReceived ?? 0);
      summary.bytesReceived += Number(stat.bytesReceived ?? 0);
    } else if (stat.type === 'outbound-rtp') {
      summary.bytesSent += Number(stat.bytesSent ?? 0);
    }
  });
  return summary;
}

/** `current` returns the engine in use (it is replaced when the relay address changes). */
export function exposeDiagnostics(current: () => ConsultEngine): void {
  const diagnostics: ClinicDiagnostics = {
    timeline: () =>
      current()
        .timelineEntries()
        .map((entry) => ({ ...entry })),
    media: async () => {
      const pc = current().peerConnection;
      return pc ? summarizeMedia(pc) : null;
    },
  };
  Object.defineProperty(window, 'clinicDiagnostics', { value: Object.freeze(diagnostics), configurable: false, writable: false });
}
