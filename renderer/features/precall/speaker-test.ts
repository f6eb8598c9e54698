/** A short tone through the chosen speaker; only the person can say whether they heard it. */

export async function playTestTone(sinkId: string | null, durationMs = 1200): Promise<void> {
  const context = new AudioContext();
  try {
    const withSink = context as AudioContext & { setSinkId?: (id: string) => Promise<void> };
    if (sinkId && withSink.setSinkId) await withSink.setSinkId(sinkId).catch(() => undefined);
    await context.resume();
    const oscillator = context.createOscillator();
    const gain = context.createGain();
    oscillator.frequency.value = 660;
    gain.gain.setValueAtTime(0.0001, context.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.2, context.currentTime + 0.05); // no click at the start
    gain.gain.exponentialRampToValueAtTime(0.0001, context.currentTime + durationMs / 1000);
    oscillator.connect(gain).connect(context.destination);
    oscillator.start();
    oscillator.stop(context.currentTime + durationMs / 1000);
    await new Promise((resolve) => setTimeout(resolve, durationMs));
  } finally {
    await context.close();
  }
}
