/**
 * (a) Both hosts on one LAN and the relay configured with no ICE servers at all: the call must connect on
 * host candidates alone (a clinic with no internet).
 * (a2) The same LAN with TURN configured: the call is relay-first (renderer/engine/ice-policy.ts), so it
 * connects through TURN, then finds the direct path and moves the media onto it without a freeze.
 */
import { describe, expect, it } from 'vitest';
import { connectCall } from './consult';
import { expectMediaBothWays } from './media-proof';
import { announceSkipIfNotRoot, IS_ROOT } from './preflight';
import { expectRelayFirstThenWidened } from './relay-first';
import { describePair, selectedPath } from './selected-path';
import { report, useLab } from './suite';

announceSkipIfNotRoot();

describe.skipIf(!IS_ROOT)('network: same LAN', () => {
  const lab = useLab();

  it('(a) no ICE servers at all: connects over host candidates', async () => {
    const { buildMs } = await lab.start({ lans: [{ nat: 'symmetric' }], homes: [1, 1], ice: 'none' });
    const call = await connectCall(lab.current(), { opened: lab.watch });
    await expectMediaBothWays(call.clinician, call.patient);
    for (const window of [call.clinician, call.patient]) {
      const path = await selectedPath(window.page);
      expect(path, `${window.label} selected pair`).toMatchObject({ local: { candidateType: 'host' }, remote: { candidateType: 'host' } });
      expect(path?.gathered, `${window.label} gathered only host candidates`).toEqual(['host']);
      expect(path?.local.address).toMatch(/^10\.1\.0\./);
    }
    report('same-lan', { lab_ms: buildMs, admit_to_media_ms: call.admitToMediaMs });
  });

  it('(a2) TURN configured: connects through TURN first, then moves to the direct path without a freeze', async () => {
    const { buildMs } = await lab.start({ lans: [{ nat: 'symmetric' }], homes: [1, 1], ice: 'turn' });
    const call = await connectCall(lab.current(), { opened: lab.watch });
    const windows = [call.clinician, call.patient];
    const widening = await expectRelayFirstThenWidened(windows);
    // ICE moves to the host pair once it checks out (it outranks every relay pair).
    await expect
      .poll(async () => (await Promise.all(windows.map((window) => selectedPath(window.page)))).map(describePair), {
        timeout: 10_000,
        interval: 200,
      })
      .toEqual(['host/udp -> host/udp', 'host/udp -> host/udp']);
    const movedAt = Date.now();
    await expectMediaBothWays(...windows);
    const freezes = await widening.freezesSinceWidening();
    for (const freeze of freezes) expect(freeze, 'longest freeze while moving off the relay (ms)').toBeLessThan(1000);
    report('same-lan-turn', {
      lab_ms: buildMs,
      admit_to_media_ms: call.admitToMediaMs,
      widened_to_direct_ms: movedAt - Math.max(...widening.widenedAt),
      longest_freeze_ms: Math.max(...freezes),
    });
  });
});
