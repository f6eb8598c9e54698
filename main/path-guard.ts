/**
 * Maps an app:// request path to a file inside the renderer folder, or null when it would leave it.
 * Decoding happens exactly once, before the check, so `%2e%2e/` cannot slip past it. Pure.
 */
import { isAbsolute, relative, resolve } from 'node:path';

export function resolveAppAssetPath(root: string, urlPathname: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPathname);
  } catch {
    return null;
  }
  // NUL truncates paths in native code; a backslash is a separator on Windows but not in URLs.
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const inside = decoded === '' || decoded === '/' ? 'index.html' : decoded.replace(/^\/+/, '');
  const base = resolve(root);
  const full = resolve(base, inside);
  const rel = relative(base, full);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return null;
  return full;
}
