/**
 * Network addresses in a diagnostics report are the patient's home, the clinician's office: personal data. By
 * default each is replaced by what IT needs to read a failure (its family, and whether it is private,
 * shared, link-local or public), e.g. "[private IPv4]"; the candidate type (host, srflx, relay) stays as it
 * is. The person exporting can choose to include them for IT. Pure.
 */

const IPV4 = /(?<![\d.])(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}(?![\d.])/g;
// Candidates for IPv6 (hex groups and colons); checked by `isIpv6` before being masked.
const IPV6_LIKE = /(?<![\w:.])[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}(?:%[\w.-]+)?(?![\w:])/gi;

/** A hex-and-colons run is an IPv6 address when it compresses (::) or has all eight groups (not "12:30:45"). */
function isIpv6(text: string): boolean {
  const address = text.split('%')[0] ?? '';
  const groups = address.split(':');
  if (address.includes('::')) return address.indexOf('::') === address.lastIndexOf('::') && groups.length <= 8;
  return groups.length === 8 && groups.every((group) => /^[0-9a-f]{1,4}$/i.test(group));
}

export function ipv4Kind(address: string): string {
  const [a = 0, b = 0] = address.split('.').map(Number);
  if (a === 127) return 'loopback IPv4';
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return 'private IPv4';
  if (a === 169 && b === 254) return 'link-local IPv4';
  if (a === 100 && b >= 64 && b <= 127) return 'shared (carrier NAT) IPv4';
  return 'public IPv4';
}

export function ipv6Kind(address: string): string {
  const lower = address.toLowerCase().split('%')[0] ?? '';
  if (lower === '::1') return 'loopback IPv6';
  if (/^fe[89ab]/.test(lower)) return 'link-local IPv6';
  if (/^f[cd]/.test(lower)) return 'private IPv6';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (mapped?.[1]) return ipv4Kind(mapped[1]);
  return 'public IPv6';
}

/** Every IPv4 and IPv6 address in every string of `value`, replaced by its kind in brackets. */
export function maskAddresses<T>(value: T): T {
  const maskText = (text: string): string =>
    text.replace(IPV6_LIKE, (match) => (isIpv6(match) ? `[${ipv6Kind(match)}]` : match)).replace(IPV4, (match) => `[${ipv4Kind(match)}]`);
  const walk = (node: unknown): unknown => {
    if (typeof node === 'string') return maskText(node);
    if (Array.isArray(node)) return node.map(walk);
    if (node !== null && typeof node === 'object') return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, walk(v)]));
    return node;
  };
  return walk(value) as T;
}
