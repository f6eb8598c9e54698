import type { Session } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import { applySessionPolicy } from '../../main/session-policy';

type RequestHandler = (wc: unknown, permission: string, callback: (ok: boolean) => void, details: object) => void;

function fakeSession() {
  const handlers: {
    request?: RequestHandler;
    check?: unknown;
    device?: () => boolean;
    verify?: (request: { hostname: string; certificate: { data: string } }, callback: (result: number) => void) => void;
    scheme?: string;
  } = {};
  const session = {
    setPermissionRequestHandler: (h: RequestHandler) => {
      handlers.request = h;
    },
    setPermissionCheckHandler: (h: unknown) => {
      handlers.check = h;
    },
    setDevicePermissionHandler: (h: () => boolean) => {
      handlers.device = h;
    },
    setCertificateVerifyProc: (h: typeof handlers.verify) => {
      handlers.verify = h;
    },
    protocol: {
      handle: (scheme: string) => {
        handlers.scheme = scheme;
      },
    },
  };
  return { session: session as unknown as Session, handlers };
}

const appMedia = (mediaTypes: string[]) => ({ requestingUrl: 'app://clinic/index.html', isMainFrame: true, mediaTypes });

describe('applySessionPolicy', () => {
  it('on macOS asks the OS for exactly the requested kinds before granting camera/microphone', async () => {
    const { session, handlers } = fakeSession();
    const order: string[] = [];
    const askOsForMedia = vi.fn(async (kinds: string[]) => void order.push(`asked ${kinds.join('+')}`));
    applySessionPolicy(session, {
      platform: 'darwin',
      askOsForMedia,
      handleAppRequest: async () => new Response(''),
      verifyCertificate: () => -3,
    });
    const granted = await new Promise<boolean>((resolve) =>
      handlers.request?.(
        {},
        'media',
        (ok) => {
          order.push('answered');
          resolve(ok);
        },
        appMedia(['video', 'audio']),
      ),
    );
    expect(granted).toBe(true);
    expect(order).toEqual(['asked camera+microphone', 'answered']);
  });

  it('denies when the OS prompt fails', async () => {
    const { session, handlers } = fakeSession();
    applySessionPolicy(session, {
      platform: 'darwin',
      askOsForMedia: async () => Promise.reject(new Error('x')),
      handleAppRequest: async () => new Response(''),
      verifyCertificate: () => -3,
    });
    const granted = await new Promise<boolean>((resolve) => handlers.request?.({}, 'media', resolve, appMedia(['audio'])));
    expect(granted).toBe(false);
  });

  it('never asks the OS for a request the policy denies, nor off macOS', () => {
    const { session, handlers } = fakeSession();
    const askOsForMedia = vi.fn(async () => {});
    applySessionPolicy(session, {
      platform: 'darwin',
      askOsForMedia,
      handleAppRequest: async () => new Response(''),
      verifyCertificate: () => -3,
    });
    const answers: boolean[] = [];
    handlers.request?.({}, 'media', (ok) => answers.push(ok), {
      requestingUrl: 'https://evil.example/',
      isMainFrame: true,
      mediaTypes: ['video'],
    });
    handlers.request?.({}, 'notifications', (ok) => answers.push(ok), { requestingUrl: 'app://clinic/index.html', isMainFrame: true });
    expect(answers).toEqual([false, false]);

    const linux = fakeSession();
    applySessionPolicy(linux.session, {
      platform: 'linux',
      askOsForMedia,
      handleAppRequest: async () => new Response(''),
      verifyCertificate: () => -3,
    });
    linux.handlers.request?.({}, 'media', (ok) => answers.push(ok), appMedia(['video']));
    expect(answers).toEqual([false, false, true]);
    expect(askOsForMedia).not.toHaveBeenCalled();
  });

  it('denies device access and serves the app scheme', () => {
    const { session, handlers } = fakeSession();
    applySessionPolicy(session, {
      platform: 'linux',
      askOsForMedia: async () => {},
      handleAppRequest: async () => new Response(''),
      verifyCertificate: () => -3,
    });
    expect(handlers.device?.()).toBe(false);
    expect(handlers.scheme).toBe('app');
  });

  it('hands every server certificate, with the host presenting it, to the pinning policy and passes its verdict back', () => {
    const { session, handlers } = fakeSession();
    const seen: string[][] = [];
    applySessionPolicy(session, {
      platform: 'linux',
      askOsForMedia: async () => {},
      handleAppRequest: async () => new Response(''),
      verifyCertificate: (hostname, pem) => {
        seen.push([hostname, pem]);
        return hostname === 'relay.clinic.example' && pem === 'PINNED' ? 0 : -3;
      },
    });
    const verdicts: number[] = [];
    handlers.verify?.({ hostname: 'relay.clinic.example', certificate: { data: 'PINNED' } }, (result) => verdicts.push(result));
    handlers.verify?.({ hostname: 'relay.clinic.example', certificate: { data: 'OTHER' } }, (result) => verdicts.push(result));
    handlers.verify?.({ hostname: 'evil.example', certificate: { data: 'PINNED' } }, (result) => verdicts.push(result));
    expect(verdicts).toEqual([0, -3, -3]);
    expect(seen).toEqual([
      ['relay.clinic.example', 'PINNED'],
      ['relay.clinic.example', 'OTHER'],
      ['evil.example', 'PINNED'],
    ]);
  });
});
