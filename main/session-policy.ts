/**
 * Installs the permission policy and the app:// handler on a session. Electron glue only: each decision is
 * made by the pure functions in permissions.ts; on macOS a granted camera/microphone request first asks the
 * OS (the prompt must precede the first capture).
 */
import type { Session } from 'electron';
import { APP_SCHEME } from './app-origin';
import type { MediaKind } from './media-access';
import { decideDevicePermission, decidePermissionCheck, decidePermissionRequest } from './permissions';

type CertificateVerifyProc = NonNullable<Parameters<Session['setCertificateVerifyProc']>[0]>;

export interface SessionPolicyOptions {
  platform: string;
  /** Asks the OS for the given kinds where it has a prompt (macOS); resolves when answered. */
  askOsForMedia: (kinds: MediaKind[]) => Promise<void>;
  handleAppRequest: (request: Request) => Promise<Response>;
  /** Verdict for the certificate (PEM) a host presents: trust a relay pinned for that host, else Chromium decides. */
  verifyCertificate: (hostname: string, pem: string) => number;
}

export function applySessionPolicy(session: Session, options: SessionPolicyOptions): void {
  // Opts out of nothing: only a certificate pinned for the host presenting it is trusted; every other one gets
  // Chromium's own verification (the policy answers -3). See certificate-pins.ts. Hence the eng-disable below:
  // pinning only, unpinned certificates get Chromium's verdict.
  const verifyProc: CertificateVerifyProc = (request, callback) =>
    callback(options.verifyCertificate(request.hostname, request.certificate.data));
  session.setCertificateVerifyProc(verifyProc); // eng-disable CERTIFICATE_VERIFY_PROC_JS_CHECK
  session.setPermissionRequestHandler((_webContents, permission, callback, details) => {
    const mediaTypes = 'mediaTypes' in details ? (details.mediaTypes ?? []) : [];
    const granted = decidePermissionRequest({ permission, requestingUrl: details.requestingUrl, mediaTypes });
    if (!granted || permission !== 'media' || options.platform !== 'darwin') {
      callback(granted);
      return;
    }
    const kinds = mediaTypes.map((type): MediaKind => (type === 'video' ? 'camera' : 'microphone'));
    options.askOsForMedia(kinds).then(
      () => callback(true),
      () => callback(false),
    );
  });

  session.setPermissionCheckHandler((_webContents, permission, requestingOrigin, details) =>
    decidePermissionCheck({
      permission,
      requestingOrigin,
      embeddingOrigin: details.embeddingOrigin ?? null,
      mediaType: details.mediaType ?? null,
    }),
  );

  session.setDevicePermissionHandler(() => decideDevicePermission());

  session.protocol.handle(APP_SCHEME, options.handleAppRequest);
}
