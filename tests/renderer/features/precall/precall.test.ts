import { describe, expect, it } from 'vitest';
import { frameDifference, judgeCamera, meanLuminance } from '../../../../renderer/features/precall/camera-check';
import { judgeMicrophone, levelFromRms, rms } from '../../../../renderer/features/precall/mic-meter';
import { judgeIce, judgeRelay } from '../../../../renderer/features/precall/network-check';

function frame(value: number, noise = 0): Uint8ClampedArray {
  const data = new Uint8ClampedArray(64 * 48 * 4);
  for (let i = 0; i < data.length; i += 4) {
    const v = value + (noise ? ((i / 4) % 7) * noise : 0);
    data[i] = v;
    data[i + 1] = v;
    data[i + 2] = v;
    data[i + 3] = 255;
  }
  return data;
}

describe('camera check', () => {
  it('measures brightness and change between frames', () => {
    expect(meanLuminance(frame(0))).toBe(0);
    expect(meanLuminance(frame(200))).toBeCloseTo(200, 5);
    expect(frameDifference(frame(100), frame(100))).toBe(0);
    expect(frameDifference(frame(100), frame(110))).toBeCloseTo(10, 5);
  });

  it('passes a moving 640x480 picture and says its size', () => {
    expect(judgeCamera({ width: 640, height: 480, frameRate: 20, frames: [frame(100), frame(104), frame(108)] })).toMatchObject({
      status: 'pass',
      detail: 'Working: 640x480 at 20 fps.',
    });
  });

  it('fails a black picture (covered lens, closed shutter)', () => {
    expect(judgeCamera({ width: 640, height: 480, frameRate: 30, frames: [frame(2), frame(3), frame(2)] }).detail).toMatch(/black/);
  });

  it('fails a frozen picture', () => {
    const still = frame(120, 3);
    expect(judgeCamera({ width: 640, height: 480, frameRate: 30, frames: [still, still, still] }).detail).toMatch(/frozen/);
  });

  it('warns about a low resolution and fails when no picture came', () => {
    expect(judgeCamera({ width: 320, height: 240, frameRate: 15, frames: [frame(90), frame(95)] }).status).toBe('warn');
    expect(judgeCamera({ width: 640, height: 480, frameRate: 30, frames: [] }).status).toBe('fail');
  });
});

describe('microphone check', () => {
  it('turns signal power into a 0..1 level on a dB scale', () => {
    expect(rms(new Float32Array([0.5, -0.5, 0.5, -0.5]))).toBeCloseTo(0.5, 6);
    expect(levelFromRms(1)).toBe(1);
    expect(levelFromRms(0.001)).toBe(0); // -60 dBFS
    expect(levelFromRms(0.0316)).toBeCloseTo(0.5, 2); // -30 dBFS
    expect(levelFromRms(0)).toBe(0);
  });

  it('passes when the person was heard, fails on silence, warns on clipping', () => {
    expect(judgeMicrophone(0.5, 'Headset').status).toBe('pass');
    expect(judgeMicrophone(0.05, 'Headset')).toMatchObject({ status: 'fail', detail: expect.stringContaining('no sound') });
    expect(judgeMicrophone(1, 'Headset').status).toBe('warn');
  });
});

describe('network check', () => {
  it('judges the relay round trip', () => {
    expect(judgeRelay(12.4)).toMatchObject({ status: 'pass', detail: 'Reachable (12 ms round trip).' });
    expect(judgeRelay(900).status).toBe('warn');
    expect(judgeRelay(null).status).toBe('fail');
  });

  const turn = {
    iceServers: [{ urls: ['turn:198.18.0.2:3478?transport=udp', 'turn:198.18.0.2:3478?transport=tcp'], username: 'u', credential: 'c' }],
    iceTransportPolicy: 'all' as const,
  };

  it('warns when no STUN/TURN is configured at all', () => {
    expect(judgeIce({ iceServers: [], iceTransportPolicy: 'all' }, null)).toMatchObject({
      status: 'warn',
      detail: expect.stringContaining('No STUN/TURN'),
    });
  });

  it('passes TURN over UDP, warns when only TCP works, fails when TURN is unreachable', () => {
    expect(judgeIce(turn, { srflx: 1, relayProtocols: ['udp', 'tcp'] }).status).toBe('pass');
    expect(judgeIce(turn, { srflx: 0, relayProtocols: ['tcp'] })).toMatchObject({
      status: 'warn',
      detail: expect.stringContaining('UDP is blocked'),
    });
    expect(judgeIce(turn, { srflx: 0, relayProtocols: [] }).status).toBe('fail');
  });
});
