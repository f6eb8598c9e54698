/**
 * (a) Both hosts on one LAN and the relay configured with no ICE servers at all: the call must connect on
 * host candidates alone (a clinic with no internet).
 */
import { describe, expect, it } from 'vitest';
import { connectCall } from './consult';
import { expectMediaBothWays } from './media-proof';
import { IS_ROOT, announceSkipIfNotRoot } from './preflight';
import { selectedPath } from './selected-path';
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
});
