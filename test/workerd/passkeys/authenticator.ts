import { isoBase64URL, isoCBOR } from '@simplewebauthn/server/helpers';

/**
 * A software FIDO2 authenticator for tests: an ES256 key made with WebCrypto, authenticator data
 * and signatures built byte by byte as WebAuthn §6.1 describes, CBOR by the library's encoder.
 * It answers the JSON a browser's PublicKeyCredential.toJSON() would post.
 */

const enc = new TextEncoder();
const sha256 = async (data: Uint8Array) => new Uint8Array(await crypto.subtle.digest('SHA-256', data));
const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let i = 0;
  for (const p of parts) (out.set(p, i), (i += p.length));
  return out;
};
const b64u = (b: Uint8Array) => isoBase64URL.fromBuffer(b as Uint8Array<ArrayBuffer>);

/** ECDSA raw r||s (WebCrypto) to the ASN.1 DER signature WebAuthn carries (§6.5.6). */
function derSignature(raw: Uint8Array): Uint8Array {
  const int = (b: Uint8Array) => {
    let i = 0;
    while (i < b.length - 1 && b[i] === 0) i++;
    let v = b.slice(i);
    if (v[0]! & 0x80) v = concat(new Uint8Array([0]), v);
    return concat(new Uint8Array([0x02, v.length]), v);
  };
  const body = concat(int(raw.slice(0, 32)), int(raw.slice(32)));
  return concat(new Uint8Array([0x30, body.length]), body);
}

export interface Credential {
  id: Uint8Array;
  keys: CryptoKeyPair;
  userHandle: string;
  counter: number;
  backupEligible: boolean;
}

export interface Ceremony {
  origin?: string;
  rpId?: string;
  userVerified?: boolean;
}

export class SoftAuthenticator {
  readonly credentials: Credential[] = [];

  /** Answers creation options (navigator.credentials.create). */
  async create(options: { challenge: string; rp: { id?: string }; user: { id: string } }, c: Ceremony & { backupEligible?: boolean } = {}) {
    const keys = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair;
    const id = crypto.getRandomValues(new Uint8Array(16));
    const cred: Credential = { id, keys, userHandle: options.user.id, counter: 0, backupEligible: c.backupEligible ?? true };
    this.credentials.push(cred);
    const jwk = (await crypto.subtle.exportKey('jwk', keys.publicKey)) as JsonWebKey;
    const cose = new Map<number, number | Uint8Array>([
      [1, 2],
      [3, -7],
      [-1, 1],
      [-2, isoBase64URL.toBuffer(jwk.x!)],
      [-3, isoBase64URL.toBuffer(jwk.y!)],
    ]);
    const attested = concat(new Uint8Array(16), new Uint8Array([0, id.length]), id, isoCBOR.encode(cose));
    const authData = await this.authData(c.rpId ?? options.rp.id!, c, cred, 0x40, attested);
    const clientDataJSON = enc.encode(JSON.stringify({ type: 'webauthn.create', challenge: options.challenge, origin: c.origin, crossOrigin: false }));
    const attestationObject = isoCBOR.encode(new Map<string, unknown>([['fmt', 'none'], ['attStmt', new Map()], ['authData', authData]]) as never);
    return {
      id: b64u(id),
      rawId: b64u(id),
      type: 'public-key',
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
      response: { clientDataJSON: b64u(clientDataJSON), attestationObject: b64u(attestationObject), transports: ['internal'] },
    };
  }

  /** Answers request options (navigator.credentials.get) with `cred` (the first one by default). */
  async get(options: { challenge: string; rpId?: string }, c: Ceremony & { credential?: Credential; counter?: number } = {}) {
    const cred = c.credential ?? this.credentials[0]!;
    cred.counter = c.counter ?? cred.counter + 1;
    const authData = await this.authData(c.rpId ?? options.rpId!, c, cred, 0);
    const clientDataJSON = enc.encode(JSON.stringify({ type: 'webauthn.get', challenge: options.challenge, origin: c.origin, crossOrigin: false }));
    const signed = concat(authData, await sha256(clientDataJSON));
    const raw = new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, cred.keys.privateKey, signed));
    return {
      id: b64u(cred.id),
      rawId: b64u(cred.id),
      type: 'public-key',
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
      response: { clientDataJSON: b64u(clientDataJSON), authenticatorData: b64u(authData), signature: b64u(derSignature(raw)), userHandle: cred.userHandle },
    };
  }

  private async authData(rpId: string, c: Ceremony, cred: Credential, extraFlags: number, attested = new Uint8Array()) {
    // §6.1: UP (0x01), UV (0x04), BE (0x08), BS (0x10), AT (0x40).
    const flags = 0x01 | (c.userVerified === false ? 0 : 0x04) | (cred.backupEligible ? 0x18 : 0) | extraFlags;
    const counter = new Uint8Array(4);
    new DataView(counter.buffer).setUint32(0, cred.counter);
    return concat(await sha256(enc.encode(rpId)), new Uint8Array([flags]), counter, attested);
  }
}
