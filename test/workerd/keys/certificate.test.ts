// @peculiar/x509 needs the Reflect metadata polyfill loaded before it (see src/keys/certificate.ts).
import 'reflect-metadata/lite';
import { BasicConstraintsExtension, KeyUsageFlags, KeyUsagesExtension, X509Certificate } from '@peculiar/x509';
import { base64url, exportJWK, generateKeyPair, importX509, jwtVerify, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { selfSignedCertificate, type CertificateAlg } from '../../../src/keys/certificate';

const cases: { alg: CertificateAlg; modulusLength?: number }[] = [
  { alg: 'RS256', modulusLength: 2048 },
  { alg: 'RS256', modulusLength: 3072 },
  { alg: 'PS256', modulusLength: 2048 },
  { alg: 'ES256' },
];

const STANDARD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const BASE64URL_NOPAD = /^[A-Za-z0-9_-]+$/;

function fromBase64(s: string): Uint8Array {
  return Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
}

function pem(b64: string): string {
  return `-----BEGIN CERTIFICATE-----\n${b64.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;
}

describe('selfSignedCertificate', () => {
  for (const { alg, modulusLength } of cases) {
    it(`${alg}${modulusLength ? ` RSA-${modulusLength}` : ''}: a self-signed certificate for the key`, async () => {
      const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true, modulusLength });
      const jwk = await exportJWK(publicKey);
      // Milliseconds on purpose: the certificate keeps whole seconds.
      const notBefore = new Date('2026-01-02T03:04:05.678Z');
      const notAfter = new Date('2027-01-02T03:04:05.999Z');
      const members = await selfSignedCertificate({
        alg,
        kid: 'kid-1',
        publicKey,
        privateKey,
        subject: 'op.example.com',
        notBefore,
        notAfter,
      });

      // x5c: one certificate, standard base64 (RFC 7517 §4.7), not base64url.
      expect(members.x5c).toHaveLength(1);
      const b64 = members.x5c[0]!;
      expect(b64).toMatch(STANDARD_BASE64);
      const der = fromBase64(b64);

      // x5t / x5t#S256: base64url (no padding) of SHA-1 / SHA-256 of the DER, computed here independently.
      expect(members.x5t).toMatch(BASE64URL_NOPAD);
      expect(members['x5t#S256']).toMatch(BASE64URL_NOPAD);
      expect(members.x5t).toBe(base64url.encode(new Uint8Array(await crypto.subtle.digest('SHA-1', der))));
      expect(members['x5t#S256']).toBe(
        base64url.encode(new Uint8Array(await crypto.subtle.digest('SHA-256', der))),
      );
      expect(base64url.decode(members.x5t)).toHaveLength(20);
      expect(base64url.decode(members['x5t#S256'])).toHaveLength(32);

      // It parses, is self-issued with the requested subject and validity, and has a positive serial.
      const cert = new X509Certificate(der);
      expect(cert.subject).toBe('CN=op.example.com');
      expect(cert.issuer).toBe('CN=op.example.com');
      expect(cert.notBefore.toISOString()).toBe('2026-01-02T03:04:05.000Z');
      expect(cert.notAfter.toISOString()).toBe('2027-01-02T03:04:05.000Z');
      expect(cert.serialNumber).toMatch(/^[0-9a-f]{32}$/);
      expect(parseInt(cert.serialNumber.slice(0, 2), 16)).toBeLessThan(0x80);
      // Signature algorithm as decoded from the DER's AlgorithmIdentifier: sha256WithRSAEncryption,
      // RSASSA-PSS(SHA-256, salt 32) or ecdsa-with-SHA256.
      expect(cert.signatureAlgorithm).toMatchObject(
        {
          RS256: { name: 'RSASSA-PKCS1-v1_5', hash: { name: 'SHA-256' } },
          PS256: { name: 'RSA-PSS', hash: { name: 'SHA-256' }, saltLength: 32 },
          ES256: { name: 'ECDSA', hash: { name: 'SHA-256' } },
        }[alg],
      );
      expect(cert.publicKey.algorithm.name).toBe(alg === 'ES256' ? 'ECDSA' : 'RSASSA-PKCS1-v1_5');
      const bc = cert.getExtension(BasicConstraintsExtension);
      expect([bc?.ca, bc?.critical]).toEqual([false, true]);
      const ku = cert.getExtension(KeyUsagesExtension);
      expect([ku?.usages, ku?.critical]).toEqual([KeyUsageFlags.digitalSignature, true]);

      // Its public key is the JWK's public key.
      const certKey = await cert.publicKey.export(
        alg === 'ES256'
          ? { name: 'ECDSA', namedCurve: 'P-256' }
          : { name: alg === 'PS256' ? 'RSA-PSS' : 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
        ['verify'],
      );
      const certJwk = (await crypto.subtle.exportKey('jwk', certKey)) as JsonWebKey;
      if (alg === 'ES256') {
        expect([certJwk.crv, certJwk.x, certJwk.y]).toEqual([jwk.crv, jwk.x, jwk.y]);
      } else {
        expect([certJwk.n, certJwk.e]).toEqual([jwk.n, jwk.e]);
      }

      // The self-signature verifies (with the certificate's own key; and not only at "now").
      expect(await cert.verify({ signatureOnly: true })).toBe(true);
      expect(await cert.verify({ date: new Date('2026-06-01T00:00:00Z') })).toBe(true);
      expect(await cert.verify({ date: new Date('2028-06-01T00:00:00Z') })).toBe(false);
      const tampered = der.slice();
      tampered[tampered.length - 1]! ^= 0x01; // flip a bit of the signature
      expect(await new X509Certificate(tampered).verify({ signatureOnly: true })).toBe(false);

      // A relying party that only takes certificates: jose.importX509 on the PEM verifies our JWTs.
      const rpKey = await importX509(pem(b64), alg);
      const jwt = await new SignJWT({ sub: 'u1' })
        .setProtectedHeader({ alg, kid: 'kid-1', x5t: members.x5t } as never)
        .setIssuer('https://op.example.com')
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(privateKey);
      const { payload } = await jwtVerify(jwt, rpKey, { issuer: 'https://op.example.com', algorithms: [alg] });
      expect(payload.sub).toBe('u1');
    });
  }

  it('gives each certificate a fresh random serial', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    const input = {
      alg: 'ES256' as const,
      kid: 'k',
      publicKey,
      privateKey,
      subject: 'op.example.com',
      notBefore: new Date('2026-01-01T00:00:00Z'),
      notAfter: new Date('2026-02-01T00:00:00Z'),
    };
    const a = new X509Certificate(fromBase64((await selfSignedCertificate(input)).x5c[0]!));
    const b = new X509Certificate(fromBase64((await selfSignedCertificate(input)).x5c[0]!));
    expect(a.serialNumber).not.toBe(b.serialNumber);
  });

  it('keeps a subject with DN special characters as one CN', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    const { x5c } = await selfSignedCertificate({
      alg: 'ES256',
      kid: 'k',
      publicKey,
      privateKey,
      subject: 'op.example.com, O=Evil',
      notBefore: new Date('2026-01-01T00:00:00Z'),
      notAfter: new Date('2026-02-01T00:00:00Z'),
    });
    const cert = new X509Certificate(fromBase64(x5c[0]!));
    expect(cert.subjectName.getField('CN')).toEqual(['op.example.com, O=Evil']);
    expect(cert.subjectName.getField('O')).toEqual([]);
  });

  it('re-imports a private key of another WebCrypto type (RSASSA-PKCS1-v1_5 key, PS256 certificate)', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
    expect(privateKey.algorithm.name).toBe('RSASSA-PKCS1-v1_5');
    const { x5c } = await selfSignedCertificate({
      alg: 'PS256',
      kid: 'k',
      publicKey,
      privateKey,
      subject: 'op.example.com',
      notBefore: new Date('2026-01-01T00:00:00Z'),
      notAfter: new Date('2026-02-01T00:00:00Z'),
    });
    const cert = new X509Certificate(fromBase64(x5c[0]!));
    expect(cert.signatureAlgorithm).toMatchObject({ name: 'RSA-PSS', saltLength: 32 });
    expect(await cert.verify({ signatureOnly: true })).toBe(true);
  });

  it('encodes validity after 2049 (GeneralizedTime) exactly', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    const notAfter = new Date('2061-03-04T05:06:07Z');
    const { x5c } = await selfSignedCertificate({
      alg: 'ES256',
      kid: 'k',
      publicKey,
      privateKey,
      subject: 'op.example.com',
      notBefore: new Date('2026-01-01T00:00:00Z'),
      notAfter,
    });
    expect(new X509Certificate(fromBase64(x5c[0]!)).notAfter.toISOString()).toBe(notAfter.toISOString());
  });

  it('rejects an empty validity window', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    const at = new Date('2026-01-01T00:00:00Z');
    await expect(
      selfSignedCertificate({ alg: 'ES256', kid: 'k', publicKey, privateKey, subject: 's', notBefore: at, notAfter: at }),
    ).rejects.toThrow(/notAfter/);
  });
});
