import type { Context } from 'hono';
import { catalog } from '../claims/catalog';
import { changeClient, clientMetadata, createClient, type ClientStore } from '../clients/service';
import { now } from '../config';
import { verifyClientSecret } from '../crypto/client_secret';
import { sha256Base64url, timingSafeEqual } from '../crypto/hash';
import { randomToken } from '../crypto/random';
import type { AppEnv } from '../env';
import { InvalidClientMetadata, InvalidRequest, InvalidToken } from '../errors';
import { keyEncryptionKeys, openPrivateKeyWithAny } from '../keys/encryption';
import { keyPolicy } from '../keys/policy_config';
import { settings } from '../settings';
import { ClientRepository, type Client } from '../storage/clients';
import { parseRegistration, type RegisteredMetadata } from './metadata';
import { resolveSector } from './sector';

export interface Registration extends RegisteredMetadata {
  sectorIdentifier: string | null;
}

/** Parses a registration (or RFC 7592 update) request for this deployment and resolves its sector. */
export async function parseRegistrationFor(c: Context<AppEnv>, body: unknown, existing?: Client): Promise<Registration> {
  const input = parseRegistration(body, { algorithms: keyPolicy(c.env).algorithms, insecureIssuer: c.var.issuer.startsWith('http:'), requestObjectNone: settings(c.env).requestObjectNone });
  // Operator-defined scopes release user attributes: only the operator grants them (a client may keep those it has).
  const custom = await catalog(c.env);
  const granted = input.scopes?.find((s) => custom.scopes.has(s) && !existing?.scopes?.includes(s));
  if (granted) throw new InvalidClientMetadata(`scope ${granted} is granted by the operator only`);
  return { ...input, sectorIdentifier: await resolveSector(input.subjectType, input.sectorIdentifierUri, input.redirectUris, c.var.issuer) };
}

/** RFC 7591 §3.2.1 / RFC 7592 §3: the client information response: every registered member, as stored. */
export function clientInformation(issuer: string, client: Client, extras: { secret?: string; registrationAccessToken: string }) {
  const hasSecret = client.secretHash !== null || client.secretSealed !== null;
  return {
    client_id: client.id,
    client_id_issued_at: client.createdAt,
    ...(extras.secret ? { client_secret: extras.secret } : {}),
    // 0: the secret does not expire (rotation is an operator action).
    ...(hasSecret ? { client_secret_expires_at: 0 } : {}),
    registration_access_token: extras.registrationAccessToken,
    registration_client_uri: `${issuer}/register/${client.id}`,
    ...clientMetadata(client),
  };
}

const store = (c: Context<AppEnv>): ClientStore => ({ db: c.env.DB, kekSecret: c.env.KEY_ENCRYPTION_KEY });

/** RFC 7591 §3: creates the client through the client service; dynamically registered clients are never first-party. */
export async function registerClient(c: Context<AppEnv>, input: Registration) {
  const registrationAccessToken = randomToken(32);
  const { client, secret } = await createClient(store(c), { ...input, firstParty: false }, {
    Err: InvalidClientMetadata,
    registrationTokenHash: await sha256Base64url(registrationAccessToken),
    now: now(),
  });
  return clientInformation(c.var.issuer, client, { secret, registrationAccessToken });
}

/**
 * RFC 7592 §1: the registration access token (a bearer token, stored as SHA-256) authorizes
 * access to its one client. An unknown client is answered like a wrong token (§2: 401).
 */
export async function registeredClient(c: Context<AppEnv>, clientId: string): Promise<{ client: Client; token: string }> {
  const token = bearerToken(c.req.header('Authorization'), 'a registration access token is required');
  const client = clientId.length <= 64 ? await new ClientRepository(c.env.DB).find(clientId) : null;
  const presented = await sha256Base64url(token);
  if (!client?.registrationTokenHash || !(await timingSafeEqual(presented, client.registrationTokenHash))) throw new InvalidToken('the registration access token is not valid for this client');
  return { client, token };
}

/** RFC 6750 §2.1: the bearer token of the Authorization header. */
export function bearerToken(header: string | undefined, missing: string): string {
  const m = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header ?? '');
  if (!m) throw new InvalidToken(missing);
  return m[1]!;
}

/** Constant-time check of a client_secret sent in an RFC 7592 update against the current one. */
async function isCurrentSecret(c: Context<AppEnv>, client: Client, secret: string): Promise<boolean> {
  if (client.secretHash) return verifyClientSecret(secret, client.secretHash);
  if (client.secretSealed) {
    const { jwk } = await openPrivateKeyWithAny(await keyEncryptionKeys(c.env.KEY_ENCRYPTION_KEY, settings(c.env).keyEncryptionKeyPrevious), `client-secret:${client.id}`, client.secretSealed);
    return timingSafeEqual(secret, String(jwk.k));
  }
  return false;
}

const SERVER_MEMBERS = ['registration_access_token', 'registration_client_uri', 'client_secret_expires_at', 'client_id_issued_at'];

/**
 * RFC 7592 §2.2: replaces the client's metadata. The body carries client_id (which must match)
 * and every member to keep; members left out return to their defaults. A client_secret, if
 * sent, must be the current one; the server-issued members must not be sent.
 */
export async function updateClient(c: Context<AppEnv>, client: Client, token: string, body: unknown) {
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
    const b = body as Record<string, unknown>;
    if (b.client_id !== client.id) throw new InvalidRequest('client_id must be present and equal to the client being updated');
    const sent = SERVER_MEMBERS.find((m) => b[m] !== undefined);
    if (sent) throw new InvalidRequest(`${sent} is issued by the server and must not be sent (RFC 7592 §2.2)`);
    if (b.client_secret !== undefined && (typeof b.client_secret !== 'string' || !(await isCurrentSecret(c, client, b.client_secret)))) {
      throw new InvalidRequest('client_secret does not match the current secret');
    }
  }
  const input = await parseRegistrationFor(c, body, client);
  // Every member the client may set is replaced; first_party and the lifetimes stay the operator's.
  const { client: updated, secret } = await changeClient(store(c), client, input, InvalidClientMetadata);
  return clientInformation(c.var.issuer, updated, { secret, registrationAccessToken: token });
}
