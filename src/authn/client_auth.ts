import { CLIENT_AUTH_METHODS } from '../algorithms';
import { now } from '../config';
import { verifyClientSecret } from '../crypto/client_secret';
import type { ThrottlePolicy } from '../durable/login_throttle';
import type { Bindings } from '../env';
import { InvalidClient, InvalidRequest, OAuthError } from '../errors';
import type { Params } from '../http/params';
import { AssertionRepository } from '../storage/assertions';
import { ClientRepository, type Client, type ClientAuthMethod } from '../storage/clients';
import { JWT_BEARER_ASSERTION, assertionSubject, verifyClientAssertion } from './client_assertion';

export const SUPPORTED_AUTH_METHODS: ClientAuthMethod[] = [...CLIENT_AUTH_METHODS];

/** Thrown for a failed client_secret_basic: RFC 6749 §5.2 requires 401 with WWW-Authenticate. */
export class InvalidBasicClient extends InvalidClient {}

/** RFC 6749 §2.3.1 requires brute-force protection of client credentials. */
export class ClientAuthThrottled extends OAuthError {
  constructor(readonly retryAfter: number) {
    super('invalid_client', 'too many failed client authentications; retry later', 429);
  }
}

export const CLIENT_POLICY: ThrottlePolicy = { maxFailures: 10, windowSeconds: 5 * 60 };
export const CLIENT_IP_POLICY: ThrottlePolicy = { maxFailures: 50, windowSeconds: 5 * 60 };

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
  /** The endpoint's own URL: an accepted audience for client assertions. */
  endpoint: string;
  ip: string;
}

/**
 * Authenticates the client at the token, revocation and introspection endpoints. The method must
 * be the one the client registered; secrets are compared as salted hashes in constant time;
 * assertions are verified per RFC 7523. Failures are counted per client and per IP and, past the
 * limit, answered 429 with Retry-After. Every failure reads the same, so client ids cannot be probed.
 */
export async function authenticateClient(ctx: ClientAuthContext, authorization: string | undefined, body: Params): Promise<Client> {
  const p = presented(authorization, body);
  const Failure = p.method === 'client_secret_basic' ? InvalidBasicClient : InvalidClient;
  const throttle = ctx.env.THROTTLE;
  const counters = [throttle.get(throttle.idFromName(`client:${p.clientId}`)), throttle.get(throttle.idFromName(`client-ip:${ctx.ip}`))] as const;
  const at = now();
  const [client, byClient, byIp] = await Promise.all([
    new ClientRepository(ctx.env.DB).find(p.clientId),
    counters[0].check(at, CLIENT_POLICY),
    counters[1].check(at, CLIENT_IP_POLICY),
  ]);
  if (!byClient.allowed || !byIp.allowed) throw new ClientAuthThrottled(Math.max(byClient.retryAfter, byIp.retryAfter));
  try {
    await verify(ctx, client, p, Failure, at);
  } catch (err) {
    if (err instanceof OAuthError && err.error === 'invalid_client') {
      await Promise.all([counters[0].recordFailure(at, CLIENT_POLICY), counters[1].recordFailure(at, CLIENT_IP_POLICY)]);
    }
    throw err;
  }
  return client!;
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

async function verify(ctx: ClientAuthContext, client: Client | null, p: Presented, Failure: typeof InvalidClient, at: number): Promise<void> {
  if (!client) throw new Failure('client authentication failed');
  const registered = client.tokenEndpointAuthMethod;
  const matches = p.method === registered || (p.method === 'private_key_jwt' && registered === 'client_secret_jwt');
  if (!matches) throw new Failure(`client authentication failed: this client is registered for ${registered}`);
  if (p.method === 'client_secret_basic' || p.method === 'client_secret_post') {
    if (!(await secretMatches(client, p.secret ?? '', at))) throw new Failure('client authentication failed');
  } else if (p.assertion !== undefined) {
    const assertions = new AssertionRepository(ctx.env.DB);
    await verifyClientAssertion(client, p.assertion, {
      issuer: ctx.issuer,
      endpoint: ctx.endpoint,
      now: at,
      kekSecret: ctx.env.KEY_ENCRYPTION_KEY,
      claimJti: (jti, expiresAt) => assertions.claim(client.id, jti, expiresAt),
    });
  }
}
