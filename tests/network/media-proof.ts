/** Media flows both ways: remote video has a size and frames decoded keep rising, on each side. */
import { expect } from 'vitest';
import type { AppWindow } from '../harness/browser';

export async function expectMediaBothWays(...windows: AppWindow[]): Promise<void> {
  const proofs = await Promise.all(windows.map((window) => window.mediaProof(2000)));
  windows.forEach((window, i) => {
    const proof = proofs[i];
    // Not an exact size: under load the sender may scale 640x480 down (seen in NOTES).
    expect(proof?.width, `${window.label} remote video width`).toBeGreaterThan(0);
    expect((proof?.framesAfter ?? 0) - (proof?.framesBefore ?? 0), `${window.label} frames decoded in 2 s`).toBeGreaterThan(10);
    expect(proof?.audioPackets, `${window.label} audio packets`).toBeGreaterThan(0);
  });
}
