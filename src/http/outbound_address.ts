import { InvalidClientMetadata } from '../errors';

/**
 * Which URLs the OP may fetch on a client's behalf (jwks_uri, sector_identifier_uri, back-channel
 * logout): pure rules, no network. A client-supplied URL must not turn the OP into a proxy into
 * private networks (SSRF), so only public https addresses are accepted; the one exception is a
 * loopback address while the OP itself runs on http on a loopback host (local development).
 *
 * Host names are judged by their name only: the Workers runtime resolves them and cannot reach
 * private networks, so a public name that resolves to a private address fails there.
 */

export type HostClass = 'public' | 'loopback' | 'private';

/** IPv4 ranges that are not public unicast (RFC 6890 special-purpose registry), as [first octets, prefix]. */
const IPV4_BLOCKED: [number[], number][] = [
  [[0], 8], // "this network", 0.0.0.0 (RFC 1122)
  [[10], 8], // private (RFC 1918)
  [[100, 64], 10], // carrier-grade NAT (RFC 6598)
  [[169, 254], 16], // link-local (RFC 3927)
  [[172, 16], 12], // private (RFC 1918)
  [[192, 0, 0], 24], // IETF protocol assignments
  [[192, 0, 2], 24], // documentation
  [[192, 88, 99], 24], // 6to4 relay anycast
  [[192, 168], 16], // private (RFC 1918)
  [[198, 18], 15], // benchmarking
  [[198, 51, 100], 24], // documentation
  [[203, 0, 113], 24], // documentation
  [[224], 4], // multicast
  [[240], 4], // reserved, and 255.255.255.255
];

/** Names that only resolve inside a host or a private network (RFC 6761, RFC 6762, RFC 8375, ICANN's .internal). */
const PRIVATE_SUFFIXES = ['local', 'internal', 'home.arpa', 'arpa', 'lan', 'intranet', 'corp', 'home', 'private', 'localdomain', 'invalid', 'onion', 'alt'];

const toInt = (octets: number[]) => octets.reduce((n, o) => n * 256 + o, 0);

function inRange(addr: number, base: number[], prefix: number): boolean {
  const padded = [...base, 0, 0, 0, 0].slice(0, 4);
  const size = 2 ** (32 - prefix);
  const start = toInt(padded);
  return addr >= start && addr < start + size;
}

function parseIpv4(host: string): number[] | null {
  const parts = host.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return null;
  return parts.map(Number);
}

export function classifyIpv4(octets: number[]): HostClass {
  const addr = toInt(octets);
  if (inRange(addr, [127], 8)) return 'loopback';
  return IPV4_BLOCKED.some(([base, prefix]) => inRange(addr, base, prefix)) ? 'private' : 'public';
}

/** Eight 16-bit groups of an IPv6 address as the URL parser prints it (compressed, no brackets, maybe dotted tail). */
function parseIpv6(text: string): number[] | null {
  let s = text.toLowerCase();
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (dotted) {
    const v4 = parseIpv4(dotted[1]!);
    if (!v4) return null;
    s = `${s.slice(0, -dotted[1]!.length)}${((v4[0]! << 8) | v4[1]!).toString(16)}:${((v4[2]! << 8) | v4[3]!).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const groups = (part: string) => (part === '' ? [] : part.split(':').map((g) => (/^[0-9a-f]{1,4}$/.test(g) ? parseInt(g, 16) : NaN)));
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  const fill = halves.length === 2 ? 8 - head.length - tail.length : 0;
  const all = [...head, ...Array<number>(Math.max(fill, 0)).fill(0), ...tail];
  if (all.length !== 8 || all.some(Number.isNaN) || fill < 0) return null;
  return all;
}

const embeddedV4 = (hi: number, lo: number) => [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff];

export function classifyIpv6(g: number[]): HostClass {
  const zeros = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (zeros(7) && g[7] === 1) return 'loopback'; // ::1
  if (zeros(8)) return 'private'; // :: unspecified
  // IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) carry an IPv4 address.
  if ((zeros(5) && g[5] === 0xffff) || zeros(6) || (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0))) {
    return classifyIpv4(embeddedV4(g[6]!, g[7]!));
  }
  if (g[0] === 0x2002) return classifyIpv4(embeddedV4(g[1]!, g[2]!)); // 6to4
  const first = g[0]!;
  if ((first & 0xe000) !== 0x2000) return 'private'; // outside global unicast 2000::/3: fc00::/7, fe80::/10, ff00::/8, ...
  if (first === 0x2001 && g[1]! < 0x200) return 'private'; // 2001::/23 IETF protocol assignments (Teredo, ...)
  if (first === 0x2001 && g[1] === 0xdb8) return 'private'; // documentation
  return 'public';
}

/** Classifies a URL's `hostname` (as `new URL()` normalised it: IPv4 in dotted decimal, IPv6 in brackets). */
export function classifyHost(hostname: string): HostClass {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  if (host.startsWith('[') && host.endsWith(']')) {
    const groups = parseIpv6(host.slice(1, -1));
    return groups ? classifyIpv6(groups) : 'private';
  }
  const v4 = parseIpv4(host);
  if (v4) return classifyIpv4(v4);
  if (host === 'localhost' || host.endsWith('.localhost')) return 'loopback';
  // A single label is resolved against a local search domain, never the public DNS.
  if (!host.includes('.') || host === '') return 'private';
  if (PRIVATE_SUFFIXES.some((s) => host === s || host.endsWith(`.${s}`))) return 'private';
  return 'public';
}

/** True while the OP itself runs on http on a loopback host: local development, where RPs run on loopback too. */
export function isDevelopmentIssuer(issuer: string): boolean {
  try {
    const url = new URL(issuer);
    return url.protocol === 'http:' && classifyHost(url.hostname) === 'loopback';
  } catch {
    return false;
  }
}

/**
 * Why the OP must not fetch `uri`, or null when it may: https to a public host; with
 * `loopbackAllowed` (development) also http or https to a loopback host. No credentials in the URL.
 */
export function outboundRefusalFor(uri: string, loopbackAllowed: boolean): string | null {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return 'is not an absolute URL';
  }
  if (url.username || url.password) return 'must not carry credentials';
  const kind = classifyHost(url.hostname);
  if (kind === 'loopback' && loopbackAllowed && (url.protocol === 'http:' || url.protocol === 'https:')) return null;
  if (kind !== 'public') return 'must be a public address, not a private, loopback or local one';
  if (url.protocol !== 'https:') return 'must use https';
  return null;
}

/** outboundRefusalFor, loopback allowed only while `issuer` is a development one. */
export const outboundRefusal = (uri: string, issuer: string): string | null => outboundRefusalFor(uri, isDevelopmentIssuer(issuer));

/**
 * At registration: a URI the OP will fetch (jwks_uri, sector_identifier_uri, backchannel_logout_uri)
 * is refused at once when the fetch would be (RFC 7591 §3.2.2: invalid_client_metadata).
 * `loopbackAllowed`: the OP runs on http (development).
 */
export function checkFetchableUrl(uri: unknown, what: string, loopbackAllowed: boolean): void {
  if (typeof uri !== 'string') return;
  const refusal = outboundRefusalFor(uri, loopbackAllowed);
  if (refusal) throw new InvalidClientMetadata(`${what} ${refusal}`);
}
