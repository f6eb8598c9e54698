/**
 * The invite page: a patient's first stop, for someone who has nothing installed. It reads the invite from the
 * link's fragment (never sent to a server), asks the relay whether the invite can still be used, and offers,
 * in this order on a computer: "Open in Clinic Consult" (the desktop app's link), "Download Clinic Consult" (what
 * IT put in the downloads folder, with size and SHA-256), "Join in this browser"; on a phone, the browser
 * first. A QR code of the same link moves a patient from a computer to a phone. No framework: it loads fast.
 */
import QRCode from 'qrcode';
import { formatDesktopJoinLink } from '../../contract/join-link';
import { detectPlatform, formatBytes, type InviteStatus, OS_NAMES, statusMessage } from './platform';
import './invite.css';

interface Download {
  platform: 'windows' | 'mac' | 'linux';
  file: string;
  size: number;
  sha256: string;
  url: string;
}

/** How long "Open in Clinic Consult" waits for the app to take over before saying that nothing opened. */
const APP_OPEN_WAIT_MS = 3000;

const main = document.getElementById('invite') as HTMLElement;

function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<HTMLElementTagNameMap[K]> = {},
  ...children: (Node | string)[]
) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

function setStatus(status: InviteStatus | 'checking', text: string, code: string | null): void {
  const line = main.querySelector<HTMLElement>('[data-testid="invite-status"]');
  if (!line) return;
  line.dataset.status = status;
  if (code) line.dataset.code = code;
  line.className = code ? 'invite__status invite__status--problem' : 'invite__status';
  line.setAttribute('role', code ? 'alert' : 'status');
  line.textContent = text;
}

async function checkInvite(secret: string): Promise<InviteStatus> {
  try {
    const response = await fetch('/api/invite-status', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ secret }),
      cache: 'no-store',
    });
    const body = (await response.json()) as { status?: InviteStatus };
    return body.status ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

async function listDownloads(): Promise<Download[]> {
  try {
    const response = await fetch('/api/downloads', { cache: 'no-store' });
    return ((await response.json()) as { downloads?: Download[] }).downloads ?? [];
  } catch {
    return [];
  }
}

/** The relay's WebSocket address as the desktop app's link spells it: an explicit port, always. */
function relayWsUrl(): string {
  const secure = location.protocol === 'https:';
  const port = location.port || (secure ? '443' : '80');
  return `${secure ? 'wss' : 'ws'}://${location.hostname}:${port}/ws`;
}

function openAppOffer(secret: string): HTMLElement {
  const hint = element('p', { className: 'invite__hint', hidden: true });
  hint.dataset.testid = 'open-app-hint';
  hint.setAttribute('role', 'status');
  const link = element(
    'a',
    { className: 'invite__button invite__button--primary', href: formatDesktopJoinLink(relayWsUrl(), secret) },
    'Open in Clinic Consult',
  );
  link.dataset.testid = 'offer-open-app';
  link.addEventListener('click', () => {
    hint.hidden = true;
    // If the app takes over, this page loses focus or is hidden; if nothing happened, say so.
    let leftPage = false;
    const left = (): void => {
      leftPage = true;
    };
    window.addEventListener('blur', left, { once: true });
    document.addEventListener('visibilitychange', left, { once: true });
    setTimeout(() => {
      if (leftPage) return;
      hint.textContent =
        'Nothing opened? Clinic Consult may not be installed on this computer: download it below, or join in this browser.';
      hint.hidden = false;
    }, APP_OPEN_WAIT_MS);
  });
  return element('li', { className: 'invite__offer' }, link, hint);
}

function downloadOffer(download: Download, osName: string): HTMLElement {
  const link = element(
    'a',
    { className: 'invite__button', href: download.url, download: download.file },
    `Download Clinic Consult for ${osName}`,
  );
  link.dataset.testid = 'offer-download';
  const facts = element(
    'p',
    { className: 'invite__facts' },
    `${download.file}, ${formatBytes(download.size)}. SHA-256: `,
    element('code', { className: 'invite__hash' }, download.sha256),
  );
  return element('li', { className: 'invite__offer' }, link, facts);
}

function browserOffer(secret: string, primary: boolean): HTMLElement {
  const link = element(
    'a',
    { className: `invite__button${primary ? ' invite__button--primary' : ''}`, href: `/?invite=${encodeURIComponent(secret)}` },
    'Join in this browser',
  );
  link.dataset.testid = 'offer-browser';
  return element(
    'li',
    { className: 'invite__offer' },
    link,
    element('p', { className: 'invite__facts' }, 'Uses your camera and microphone in this browser.'),
  );
}

async function qrCode(): Promise<HTMLElement> {
  const figure = element('figure', { className: 'invite__qr' });
  figure.dataset.testid = 'invite-qr';
  // The same link, fragment included: scanned on a phone, it opens this page there.
  figure.innerHTML = await QRCode.toString(location.href, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
  figure.querySelector('svg')?.setAttribute('role', 'img');
  figure.querySelector('svg')?.setAttribute('aria-label', 'QR code of this invite link');
  figure.append(element('figcaption', {}, 'On your phone instead? Scan this code with its camera.'));
  return figure;
}

async function start(): Promise<void> {
  // A secret is base64url: nothing to decode, and a damaged link (stray %) must read as invalid, not throw.
  const secret = location.hash.replace(/^#/, '');
  const status: InviteStatus = /^[A-Za-z0-9_-]{43}$/.test(secret) ? await checkInvite(secret) : 'invalid';
  const said = statusMessage(status);
  setStatus(status, said.text, said.code);
  if (!said.offers) return;

  const platform = detectPlatform({ userAgent: navigator.userAgent, maxTouchPoints: navigator.maxTouchPoints });
  const downloads = platform.phone ? [] : (await listDownloads()).filter((download) => download.platform === platform.os);
  const offers = element('ol', { className: 'invite__offers' });
  offers.dataset.testid = 'invite-offers';
  if (platform.phone) offers.append(browserOffer(secret, true));
  else {
    offers.append(openAppOffer(secret));
    for (const download of downloads) offers.append(downloadOffer(download, OS_NAMES[platform.os]));
    offers.append(browserOffer(secret, false));
  }
  main.append(offers);
  if (!platform.phone) main.append(await qrCode());
}

void start();
