import { CLIENT_AUTH_METHODS } from '../algorithms';
import { audit } from '../observability/audit';
import { now } from '../config';
import { verifyClientSecret } from '../crypto/client_secret';
import type { ThrottleRule } from '../durable/login_throttle';
import type { Bindings } from '../env';
import { settings } from '../settings';
import { InvalidClient, InvalidRequest, OAuthError } from '../errors';
import type { Params } from '../http/params';
import { AssertionRepository } from '../storage/assertions';
import { ClientRepository, type Client, type ClientAuthMethod } from '../storage/clients';
import { ApiRepository, type Api } from '../storage/apis';
import { isFapi2 } from '../clients/model';
import { CLIENT_IP, CLIENT_IP_PAIR } from '../throttle/limits';
import { throttleFor } from '../throttle/store';
import { JWT_BEARER_ASSERTION, assertionAudiences, assertionSubject, verifyClientAssertion } from './client_assertion';

export const SUPPORTED_AUTH_METHODS: ClientAuthMethod[] = [...CLIENT_AUTH_METHODS];

/** Thrown for a failed client_secret_basic: RFC 6749 §5.2 requires 401 with WWW-Authenticate. */
export class InvalidBasicClient extends InvalidClient {}

/** RFC 6749 §2.3.1 requires brute-force protection of client credentials. */
export class ClientAuthThrottled extends OAuthError {
  constructor(readonly retryAfter: number) {
    super('invalid_client', 'too many failed client authentications; retry later', 429);
  }
}

/** RFC 6749 §5.2: the one description of every failed client authentication. */
export const FAILED = 'client authentication failed';

interface Presented {
  method: ClientAuthMethod;
  clientId: string;
  secret?: string;
  assertion?: string;
}

/** RFC 6749 §2.3.1: Basic credentials are form-urlencoded before base64. */
function fromBasic(header: string): Presented {
  let decoded: string;
  try {
    decoded = atob(header.slice(6).trim());
  } catch {
    throw new InvalidBasicClient('malformed Basic authorization header');
  }
  const colon = decoded.indexOf(':');
  if (colon === -1) throw new InvalidBasicClient('malformed Basic authorization header');
  try {
    const clientId = decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' '));
    const secret = decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' '));
    return { method: 'client_secret_basic', clientId, secret };
  } catch {
    throw new InvalidBasicClient('malformed Basic authorization header');
  }
}

/** Which method the request used. RFC 6749 §2.3: a client MUST NOT use more than one. */
function presented(authorization: string | undefined, body: Params): Presented {
  const basic = authorization && /^basic /i.test(authorization) ? fromBasic(authorization) : undefined;
  const postId = body.get('client_id');
  const postSecret = body.get('client_secret');
  const assertionType = body.get('client_assertion_type');
  const assertion = body.get('client_assertion');
  const used = [basic, postSecret, assertion].filter((m) => m !== undefined).length;
  if (used > 1) throw new InvalidRequest('client authentication must use only one method');
  if (basic) {
    if (postId !== undefined && postId !== basic.clientId) throw new InvalidRequest('client_id does not match the authenticated client');
    return basic;
  }
  if (assertion !== undefined || assertionType !== undefined) {
    if (assertionType !== JWT_BEARER_ASSERTION) throw new InvalidRequest(`client_assertion_type must be ${JWT_BEARER_ASSERTION}`);
    if (assertion === undefined) throw new InvalidRequest('client_assertion is required');
    const clientId = assertionSubject(assertion);
    // RFC 7523 §3: client_id, when sent, must be the assertion's subject.
    if (postId !== undefined && postId !== clientId) throw new InvalidClient('client_id does not match the client_assertion');
    return { method: 'private_key_jwt', clientId, assertion };
  }
  if (!postId) throw new InvalidClient('client authentication is required');
  if (postSecret !== undefined) return { method: 'client_secret_post', clientId: postId, secret: postSecret };
  return { method: 'none', clientId: postId };
}

export interface ClientAuthContext {
  env: Bindings;
  issuer: string;
  /** The source IP (CF-Connecting-IP): failures are throttled per (client, IP) and per IP. */
  ip: string;
}

/** The counters of a failed client authentication, in the source IP's throttle (a key is bounded in length). */
const failureRules = (clientId: string | undefined): ThrottleRule[] => [
  ...(clientId !== undefined ? [{ key: `client:${clientId.slice(0, 256)}`, policy: CLIENT_IP_PAIR }] : []),
  { key: 'ip', policy: CLIENT_IP },
];

/**
 * Authenticates the client at the token, revocation and introspection endpoints. The method must
 * be the one the client registered; secrets are compared as salted hashes in constant time;
 * assertions are verified per RFC 7523.
 *
 * The credential is verified first and a correct one always passes, without asking the throttle:
 * secrets are 256-bit, so guessing is not the threat, locking the rightful client out is. Only a
 * failure consults the source IP's throttle, counting it per (client, IP) and per IP in one atomic
 * step; past either limit the failure is answered 429 with Retry-After instead of 401 (RFC 6749
 * §2.3.1 brute-force protection). Every failure reads the same (RFC 6749 §5.2 invalid_client), so
 * client ids and their methods cannot be probed.
 */
export async function authenticateClient(ctx: ClientAuthContext, authorization: string | undefined, body: Params): Promise<Client> {
  return ((await authenticateCaller(ctx, authorization, body, false)) as { kind: 'client'; client: Client }).client;
}

/** Who called an endpoint: a client, or (introspection, issue 13) an API with its own credential. */
export type Caller = { kind: 'client'; client: Client } | { kind: 'api'; api: Api };

/**
 * `authenticateClient`, where `apis` also lets an API authenticate with its introspection
 * credential (client_secret_basic only; its client_id is no client's). The same throttle and the
 * same single answer for every failure.
 */
export async function authenticateCaller(ctx: ClientAuthContext, authorization: string | undefined, body: Params, apis: boolean): Promise<Caller> {
  const at = now();
  let clientId: string | undefined;
  try {
    const p = presented(authorization, body);
    clientId = p.clientId;
    const client = await new ClientRepository(ctx.env.DB).findCached(p.clientId);
    if (!client && apis) {
      const api = (await new ApiRepository(ctx.env.DB).cached()).byClientId.get(p.clientId);
      if (api) {
        // A salted hash compared in constant time (crypto/client_secret.ts), as client secrets are.
        if (p.method !== 'client_secret_basic' || !(await verifyClientSecret(p.secret ?? '', api.secretHash))) throw new InvalidClient(FAILED);
        return { kind: 'api', api };
      }
    }
    await verify(ctx, client, p, at);
    return { kind: 'client', client: client! };
  } catch (err) {
    if (!(err instanceof OAuthError && err.error === 'invalid_client')) throw err;
    const verdict = await throttleFor(ctx.env, `client-auth:${ctx.ip}`).take(at, failureRules(clientId));
    audit('client_auth.failed', { subject: clientId?.slice(0, 256) ?? null, outcome: verdict.allowed ? 'failure' : 'throttled' });
    if (!verdict.allowed) throw new ClientAuthThrottled(verdict.retryAfter);
    // One answer for every failure: an unknown client, the wrong method, a wrong secret or assertion.
    // The operator still learns why (a refused jwks_uri, an expired assertion), in the log only;
    // no description carries a credential.
    if (err.description !== FAILED) console.warn(`client authentication failed for ${JSON.stringify(clientId?.slice(0, 256))}: ${err.description}`);
    throw new InvalidClient(FAILED);
  }
}

/**
 * The current secret, or during a rotation's overlap the previous one. Both hashes are always
 * checked, so the answer takes the same time whichever matches.
 */
export async function secretMatches(client: Client, secret: string, at: number): Promise<boolean> {
  const previousLive = client.previousSecretHash && (client.previousSecretExpiresAt ?? 0) > at ? client.previousSecretHash : null;
  const [current, previous] = await Promise.all([
    client.secretHash ? verifyClientSecret(secret, client.secretHash) : false,
    previousLive ? verifyClientSecret(secret, previousLive) : false,
  ]);
  return current || previous;
}

async function verify(ctx: ClientAuthContext, client: Client | null, p: Presented, at: number): Promise<void> {
  if (!client) throw new InvalidClient(FAILED);
  const registered = client.tokenEndpointAuthMethod;
  const matches = p.method === registered || (p.method === 'private_key_jwt' && registered === 'client_secret_jwt');
  if (!matches) throw new InvalidClient(FAILED);
  if (p.method === 'client_secret_basic' || p.method === 'client_secret_post') {
    if (!(await secretMatches(client, p.secret ?? '', at))) throw new InvalidClient(FAILED);
  } else if (p.assertion !== undefined) {
    const assertions = new AssertionRepository(ctx.env.DB);
    await verifyClientAssertion(client, p.assertion, {
      // FAPI 2.0 Security Profile §5.3.2.1: a fapi2 client's assertion names the issuer alone.
      audiences: isFapi2(client) ? [ctx.issuer] : assertionAudiences(ctx.env, ctx.issuer),
      issuer: ctx.issuer,
      now: at,
      kekSecret: ctx.env.KEY_ENCRYPTION_KEY,
      previousKekSecret: settings(ctx.env).keyEncryptionKeyPrevious,
      claimJti: (jti, expiresAt) => assertions.claim(client.id, jti, expiresAt),
    });
  }
}
