/**
 * Two homes, each behind its own symmetric NAT, with every packet between the two NATs' public addresses
 * dropped: only a TURN relay can carry media. (b) TURN over UDP; (c) the same with all UDP to the TURN
 * server blocked, so only TURN over TCP is left; (d) no TURN configured (STUN only): the call must fail,
 * and say so, rather than sit on a black screen.
 *
 * With TURN the calls are relay-first (renderer/engine/ice-policy.ts): they connect relay-only, then the
 * initiator widens to every path; here the direct paths fail, so the media must stay on TURN, unbroken.
 */
import { describe, expect, it } from 'vitest';
import { lastEvent } from '../harness/browser';
import { admitOnly, connectCall } from './consult';
import type { LabSpec } from './lab';
import { expectMediaBothWays } from './media-proof';
import { announceSkipIfNotRoot, IS_ROOT } from './preflight';
import { expectRelayFirstThenWidened } from './relay-first';
import { describePair, selectedPath } from './selected-path';
import { report, useLab } from './suite';

announceSkipIfNotRoot();

const TWO_SYMMETRIC_NATS: Omit<LabSpec, 'ice'> = { lans: [{ nat: 'symmetric' }, { nat: 'symmetric' }], homes: [1, 2], isolateWans: true };

describe.skipIf(!IS_ROOT)('network: two symmetric NATs, no direct path', () => {
  const lab = useLab();

  /**
   * A TURN call across the two NATs: relay-first, widened without a freeze, media both ways after it.
   * Returns each side's selected pair; `finish` reports the figures under `scenario`.
   */
  async function relayedCall(spec: LabSpec) {
    const { buildMs } = await lab.start(spec);
    const call = await connectCall(lab.current(), { opened: lab.watch });
    const widening = await expectRelayFirstThenWidened([call.clinician, call.patient]);
    await expectMediaBothWays(call.clinician, call.patient);
    const freezes = await widening.freezesSinceWidening();
    for (const freeze of freezes) expect(freeze, 'longest freeze after widening (ms)').toBeLessThan(1000);
    const paths = await Promise.all([call.clinician, call.patient].map((window) => selectedPath(window.page)));
    const finish = (scenario: string): void =>
      report(scenario, {
        lab_ms: buildMs,
        admit_to_media_ms: call.admitToMediaMs,
        pairs: paths.map(describePair).join(' | '),
        longest_freeze_after_widening_ms: Math.max(...freezes),
      });
    return { paths, finish };
  }

  it('(b) TURN over UDP: connects through a relay candidate', async () => {
    const { paths, finish } = await relayedCall({ ...TWO_SYMMETRIC_NATS, ice: 'turn' });
    for (const path of paths) {
      // Widened: the restart gathered the direct candidates too; the NATs drop them, so TURN still carries.
      expect(path?.gathered, 'gathered').toEqual(expect.arrayContaining(['host', 'srflx', 'relay/udp']));
      // Through TURN on at least one end. Often only one: a side may send straight from its NAT to the
      // other's relay address (selected as prflx -> relay), which coturn accepts since permissions are per IP.
      expect([path?.local.candidateType, path?.remote.candidateType], 'selected pair uses a relay candidate').toContain('relay');
    }
    const relayEnds = paths.filter((path) => path?.local.candidateType === 'relay');
    expect(relayEnds.length, 'at least one side allocated on TURN').toBeGreaterThan(0);
    for (const path of relayEnds) expect(path?.local.relayProtocol, 'TURN reached over UDP').toBe('udp');
    finish('turn-udp');
  });

  it('(c) UDP to the TURN server blocked: connects over TURN/TCP', async () => {
    const { paths, finish } = await relayedCall({ ...TWO_SYMMETRIC_NATS, blockUdpToServer: true, ice: 'turn' });
    for (const path of paths) {
      // No UDP reaches the server, so both sides must hold their end of the media on a TCP allocation.
      expect(path, 'selected pair').toMatchObject({ local: { candidateType: 'relay', relayProtocol: 'tcp' } });
      expect(path?.gathered, 'gathered no UDP relay').not.toContain('relay/udp');
    }
    finish('turn-tcp');
  });

  it('(d) no TURN configured: the call fails within ~20 s and both sides say why', async () => {
    const { buildMs } = await lab.start({ ...TWO_SYMMETRIC_NATS, ice: 'stun' });
    const { clinician, patient, admittedAt } = await admitOnly(lab.current());
    lab.watch(clinician, patient);
    // ICE gives up after ~15 s; a call that never connected is not retried (same network, same outcome).
    await Promise.all([clinician.waitForState('failed', 30_000), patient.waitForState('failed', 30_000)]);
    const failedAt: Record<string, number> = {};
    for (const window of [clinician, patient]) {
      const timeline = await window.timeline();
      const failed = lastEvent(timeline, 'call-failed');
      expect(failed?.detail, `${window.label} end reason`).toBe('connection-failed');
      failedAt[window.label] = (failed?.t ?? Number.NaN) - admittedAt;
      expect(
        timeline.some((e) => e.event === 'first-remote-frame'),
        `${window.label} never saw video`,
      ).toBe(false);
      // Both sides name the cause from evidence, in the timeline and on screen.
      expect(lastEvent(timeline, 'diagnosis')?.detail, `${window.label} diagnosis`).toMatch(/^NO_TURN_CONFIGURED: /);
      expect(await window.page.getByTestId('failure-diagnosis').getAttribute('data-code')).toBe('NO_TURN_CONFIGURED');
    }
    report('no-turn', {
      lab_ms: buildMs,
      admit_to_failed_clinician_ms: failedAt.clinician ?? null,
      admit_to_failed_patient_ms: failedAt.patient ?? null,
    });
  });
});
