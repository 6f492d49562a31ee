// Self-signed X.509 certificates for the JWKS `x5c` / `x5t` / `x5t#S256` members (RFC 7517 §4.7-4.9),
// for relying parties that only accept keys wrapped in a certificate.
//
// @peculiar/x509 resolves its algorithm handlers through tsyringe, which needs the Reflect metadata
// API when it loads (it throws otherwise); `reflect-metadata/lite` provides it (a global polyfill,
// without Map/Set shims). Both are loaded on first use, polyfill first: certificates are made only
// when a key is generated, so the Worker's cold start does not evaluate ~480 KiB of ASN.1 code,
// and nothing depends on module import order. Do not import @peculiar/x509 statically elsewhere.
import { base64url } from 'jose';

type X509 = typeof import('@peculiar/x509');
let x509: Promise<X509> | undefined;
function loadX509(): Promise<X509> {
  x509 ??= import('reflect-metadata/lite').then(() => import('@peculiar/x509'));
  x509.catch(() => (x509 = undefined));
  return x509;
}

export interface CertificateMembers {
  x5c: string[];
  x5t: string;
  'x5t#S256': string;
}

export type CertificateAlg = 'RS256' | 'PS256' | 'ES256';

/** WebCrypto algorithm: import parameters and sign parameters in one object. */
interface SigningAlgorithm {
  name: 'RSASSA-PKCS1-v1_5' | 'RSA-PSS' | 'ECDSA';
  hash: 'SHA-256';
  saltLength?: number;
  namedCurve?: 'P-256';
}

/** The WebCrypto algorithm each JWS alg signs with; the certificate is signed the same way. */
const SIGNING: Record<CertificateAlg, SigningAlgorithm> = {
  // sha256WithRSAEncryption (1.2.840.113549.1.1.11)
  RS256: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
  // id-RSASSA-PSS (1.2.840.113549.1.1.10) with SHA-256, MGF1-SHA-256, salt 32 (as JWS PS256)
  PS256: { name: 'RSA-PSS', hash: 'SHA-256', saltLength: 32 },
  // ecdsa-with-SHA256 (1.2.840.10045.4.3.2)
  ES256: { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' },
};

/**
 * A self-signed certificate for a signing key, as JWK certificate members: `x5c` holds the one
 * DER certificate in standard base64, `x5t` / `x5t#S256` its SHA-1 / SHA-256 digest in base64url.
 *
 * The certificate: v3, random positive 128-bit serial, subject = issuer = CN=<subject>, validity
 * [notBefore, notAfter] (whole seconds), basicConstraints cA=false (critical), keyUsage
 * digitalSignature (critical), subjectKeyIdentifier. It is signed with the key itself, using the
 * same algorithm as the JWS alg (PS256: RSASSA-PSS, SHA-256, MGF1-SHA-256, salt length 32).
 * `kid` is not part of the certificate (x5t#S256 already names it); it only labels errors.
 */
export async function selfSignedCertificate(input: {
  alg: CertificateAlg;
  kid: string;
  publicKey: CryptoKey;
  privateKey: CryptoKey;
  subject: string;
  notBefore: Date;
  notAfter: Date;
}): Promise<CertificateMembers> {
  const signing = SIGNING[input.alg];
  if (!signing) throw new Error(`no certificate for alg ${String(input.alg)} (kid ${input.kid})`);
  if (!(input.notAfter.getTime() > input.notBefore.getTime())) {
    throw new Error(`certificate notAfter must be after notBefore (kid ${input.kid})`);
  }
  // The certificate is signed with WebCrypto directly, so the private key must already be of the
  // alg's WebCrypto type (jose.generateKeyPair / importJWK produce exactly that); otherwise
  // re-import it from its JWK form.
  const privateKey = await keyForSigning(input.privateKey, signing, input.kid);
  const {
    BasicConstraintsExtension,
    KeyUsageFlags,
    KeyUsagesExtension,
    Name,
    SubjectKeyIdentifierExtension,
    X509CertificateGenerator,
  } = await loadX509();

  const cert = await X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerialHex(),
    // Built from JSON, not parsed from an "CN=..." string, so commas etc. in the subject are safe.
    name: new Name([{ CN: [input.subject] }]),
    notBefore: wholeSeconds(input.notBefore),
    notAfter: wholeSeconds(input.notAfter),
    signingAlgorithm: signing,
    keys: { publicKey: input.publicKey, privateKey },
    extensions: [
      new BasicConstraintsExtension(false, undefined, true),
      new KeyUsagesExtension(KeyUsageFlags.digitalSignature, true),
      await SubjectKeyIdentifierExtension.create(input.publicKey),
    ],
  });

  const der = new Uint8Array(cert.rawData);
  const [sha1, sha256] = await Promise.all([
    crypto.subtle.digest('SHA-1', der),
    crypto.subtle.digest('SHA-256', der),
  ]);
  return {
    x5c: [base64(der)],
    x5t: base64url.encode(new Uint8Array(sha1)),
    'x5t#S256': base64url.encode(new Uint8Array(sha256)),
  };
}

async function keyForSigning(key: CryptoKey, want: SigningAlgorithm, kid: string): Promise<CryptoKey> {
  const have = key.algorithm as CryptoKeyArbitraryKeyAlgorithm;
  // RSA keys carry their hash; ECDSA keys do not (the hash is chosen per signature).
  const hashOk = want.name === 'ECDSA' || have.hash?.name === want.hash;
  const curveOk = !want.namedCurve || have.namedCurve === want.namedCurve;
  if (have.name === want.name && hashOk && curveOk && key.usages.includes('sign')) return key;
  if (!key.extractable) throw new Error(`private key ${kid} is a non-extractable ${have.name} key; ${want.name} needed`);
  const jwk = (await crypto.subtle.exportKey('jwk', key)) as JsonWebKey;
  delete jwk.alg;
  delete jwk.key_ops;
  return crypto.subtle.importKey('jwk', jwk, want, false, ['sign']);
}

/** 16 random bytes with the top bit cleared: a positive INTEGER, well under RFC 5280's 20 octets. */
function randomSerialHex(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0]! & 0x7f) | 0x01; // positive, and never a leading zero octet
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function wholeSeconds(d: Date): Date {
  return new Date(Math.floor(d.getTime() / 1000) * 1000);
}

function base64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}
