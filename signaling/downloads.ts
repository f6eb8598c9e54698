/**
 * The clinic's downloads folder (--downloads): installers IT drops in, offered to patients by the invite page
 * with their size and SHA-256, and the same files as the desktop app's update feed (electron-builder's
 * latest*.yml beside them). Only plain file names directly in the folder are served.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import { pipeline } from 'node:stream';
import { sendPlain } from './static-files';

export type DownloadPlatform = 'windows' | 'mac' | 'linux';

export interface Download {
  platform: DownloadPlatform;
  file: string;
  size: number;
  sha256: string;
  /** Where the page fetches it: /downloads/<file>. */
  url: string;
}

const INSTALLERS: Record<string, DownloadPlatform> = {
  '.exe': 'windows',
  '.msi': 'windows',
  '.dmg': 'mac',
  '.pkg': 'mac',
  '.appimage': 'linux',
  '.deb': 'linux',
  '.rpm': 'linux',
};
/** What the update feed needs besides installers: electron-builder's manifests and block maps, and zips. */
const FEED_FILES = new Set(['.yml', '.blockmap', '.zip']);

/** A plain file name: no path, no hidden file, nothing a URL could bend. */
export function isPlainFileName(name: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._+-]{0,200}$/.test(name) && !name.includes('..');
}

function isServable(name: string): boolean {
  const extension = extname(name).toLowerCase();
  return isPlainFileName(name) && (extension in INSTALLERS || FEED_FILES.has(extension));
}

/** Hashes are computed once per file version (name, size, time): installers are large and rarely change. */
const hashes = new Map<string, string>();

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The installers in the folder, newest name last per platform; an absent folder lists nothing. */
export async function listDownloads(dir: string): Promise<Download[]> {
  const names = await readdir(dir).catch(() => []);
  const downloads: Download[] = [];
  for (const file of names.sort()) {
    const platform = INSTALLERS[extname(file).toLowerCase()];
    if (!platform || !isPlainFileName(file)) continue;
    const path = join(dir, file);
    const info = await stat(path).catch(() => null);
    if (!info?.isFile()) continue;
    const version = `${file}:${info.size}:${info.mtimeMs}`;
    let sha256 = hashes.get(version);
    if (!sha256) {
      sha256 = await sha256Of(path);
      hashes.set(version, sha256);
    }
    downloads.push({ platform, file, size: info.size, sha256, url: `/downloads/${encodeURIComponent(file)}` });
  }
  return downloads;
}

/** GET/HEAD /downloads/<file>: an installer or update-feed file from the folder, else 404. */
export async function serveDownload(dir: string, name: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  let file: string;
  try {
    file = decodeURIComponent(name);
  } catch {
    return sendPlain(res, 400, 'bad path');
  }
  if (!isServable(file)) return sendPlain(res, 404, 'not found');
  const path = join(dir, file);
  const info = await stat(path).catch(() => null);
  if (!info?.isFile()) return sendPlain(res, 404, 'not found');
  const manifest = extname(file).toLowerCase() === '.yml';
  res.writeHead(200, {
    'content-type': manifest ? 'text/yaml; charset=utf-8' : 'application/octet-stream',
    'content-length': info.size,
    'x-content-type-options': 'nosniff',
    // The feed's manifests change with each release; installers are named by version.
    'cache-control': manifest ? 'no-cache' : 'public, max-age=3600',
    ...(manifest ? {} : { 'content-disposition': `attachment; filename="${file}"` }),
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  pipeline(createReadStream(path), res, () => {});
}
