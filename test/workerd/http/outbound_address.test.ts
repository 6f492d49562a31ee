// SSRF guard (issue 9): which URLs the OP may fetch on a client's behalf. Runs in workerd, so the
// URL parser that normalises the host is the one production uses.
import { describe, expect, it } from 'vitest';
import { classifyHost, isDevelopmentIssuer, outboundRefusal } from '../../../src/http/outbound_address';

const hostOf = (url: string) => new URL(url).hostname;
const PROD = 'https://op.example.test';
const DEV = 'http://127.0.0.1:8787';

describe('classifyHost', () => {
  it.each([
    ['https://10.0.0.1/', 'private'],
    ['https://10.255.255.255/', 'private'],
    ['https://172.16.0.1/', 'private'],
    ['https://172.31.255.255/', 'private'],
    ['https://192.168.1.1/', 'private'],
    ['https://100.64.0.1/', 'private'],
    ['https://100.127.255.254/', 'private'],
    ['https://169.254.169.254/', 'private'],
    ['https://0.0.0.0/', 'private'],
    ['https://224.0.0.1/', 'private'],
    ['https://239.255.255.250/', 'private'],
    ['https://255.255.255.255/', 'private'],
    ['https://127.0.0.1/', 'loopback'],
    ['https://127.1.2.3/', 'loopback'],
    ['https://[::1]/', 'loopback'],
    ['https://[::]/', 'private'],
    ['https://[fe80::1]/', 'private'],
    ['https://[febf::1]/', 'private'],
    ['https://[fc00::1]/', 'private'],
    ['https://[fd12:3456::1]/', 'private'],
    ['https://[ff02::1]/', 'private'],
    ['https://[::ffff:10.0.0.1]/', 'private'],
    ['https://[::ffff:169.254.169.254]/', 'private'],
    ['https://[::ffff:127.0.0.1]/', 'loopback'],
    ['https://[::ffff:7f00:1]/', 'loopback'],
    ['https://[::10.0.0.1]/', 'private'],
    ['https://[64:ff9b::192.168.0.1]/', 'private'],
    ['https://[2002:c0a8:0101::1]/', 'private'],
    ['https://[2001:db8::1]/', 'private'],
    ['https://[2001::1]/', 'private'],
    // Other spellings of IPv4 addresses, which the URL parser turns into dotted decimal.
    ['https://2130706433/', 'loopback'],
    ['https://0x7f.0.0.1/', 'loopback'],
    ['https://0177.0.0.1/', 'loopback'],
    ['https://0x7f000001/', 'loopback'],
    ['https://127.1/', 'loopback'],
    ['https://167772161/', 'private'],
    ['https://012.0.0.1/', 'private'],
    ['https://0xa9.0xfe.0xa9.0xfe/', 'private'],
    ['https://0/', 'private'],
    // Names that never resolve in the public DNS.
    ['https://localhost/', 'loopback'],
    ['https://LOCALHOST./', 'loopback'],
    ['https://api.localhost/', 'loopback'],
    ['https://intranet/', 'private'],
    ['https://printer.local/', 'private'],
    ['https://metadata.google.internal/', 'private'],
    ['https://router.home.arpa/', 'private'],
    ['https://1.0.0.10.in-addr.arpa/', 'private'],
    ['https://nas.lan/', 'private'],
    // Public.
    ['https://rp.example.com/', 'public'],
    ['https://rp.example.com./', 'public'],
    ['https://8.8.8.8/', 'public'],
    ['https://172.32.0.1/', 'public'],
    ['https://100.128.0.1/', 'public'],
    ['https://[2606:4700:4700::1111]/', 'public'],
    ['https://[::ffff:8.8.8.8]/', 'public'],
  ])('%s is %s', (url, expected) => {
    expect(classifyHost(hostOf(url))).toBe(expected);
  });
});

describe('outboundRefusal', () => {
  it('accepts https to a public host only, outside development', () => {
    expect(outboundRefusal('https://rp.example.com/jwks', PROD)).toBeNull();
    expect(outboundRefusal('http://rp.example.com/jwks', PROD)).toMatch(/https/);
    expect(outboundRefusal('https://127.0.0.1:8443/jwks', PROD)).toMatch(/public address/);
    expect(outboundRefusal('http://localhost:3000/jwks', PROD)).toMatch(/public address/);
    expect(outboundRefusal('https://10.1.2.3/jwks', PROD)).toMatch(/public address/);
    expect(outboundRefusal('https://user:pw@rp.example.com/jwks', PROD)).toMatch(/credentials/);
    expect(outboundRefusal('not a url', PROD)).toMatch(/absolute/);
  });

  it('allows loopback (http or https) only while the OP runs on http on a loopback host', () => {
    expect(isDevelopmentIssuer(DEV)).toBe(true);
    expect(isDevelopmentIssuer('http://localhost:8787')).toBe(true);
    expect(isDevelopmentIssuer('http://[::1]:8787')).toBe(true);
    expect(isDevelopmentIssuer('https://localhost:8787')).toBe(false);
    expect(isDevelopmentIssuer('http://op.example.com')).toBe(false);
    expect(outboundRefusal('http://127.0.0.1:4000/backchannel', DEV)).toBeNull();
    expect(outboundRefusal('http://localhost:4000/jwks', 'http://localhost:8787')).toBeNull();
    // Development opens loopback, not private networks nor plain http elsewhere.
    expect(outboundRefusal('http://192.168.1.20/jwks', DEV)).toMatch(/public address/);
    expect(outboundRefusal('http://rp.example.com/jwks', DEV)).toMatch(/https/);
    expect(outboundRefusal('http://127.0.0.1:4000/jwks', 'http://op.example.com')).toMatch(/public address/);
  });
});
