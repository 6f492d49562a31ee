import { lifetimes, now } from '../config';
import type { Bindings } from '../env';
import { InvalidScope, UnauthorizedClient } from '../errors';
import type { Params } from '../http/params';
import { signingKey } from '../keys/keystore';
import { keyPolicy } from '../keys/policy_config';
import type { Client } from '../storage/clients';
import { signAccessToken } from '../tokens/access_token';
import type { GrantOptions, TokenResponse } from './token_response';
import { apiFor, parseResource } from './resource';

/** Scopes that only make sense with a user: never granted to a machine. */
const USER_SCOPES = new Set(['openid', 'profile', 'email', 'address', 'phone', 'offline_access']);

/**
 * RFC 6749 §4.4: a confidential client gets an access token for itself (sub = client_id). Scopes
 * are limited to the client's allowed scopes; no ID token and no refresh token (§4.4.3).
 */
export async function clientCredentialsGrant(env: Bindings, client: Client, body: Params, issuer: string, opts: GrantOptions = {}): Promise<TokenResponse> {
  if (!client.grantTypes.includes('client_credentials')) throw new UnauthorizedClient('this client is not allowed the client_credentials grant');
  const allowed = (client.scopes ?? []).filter((s) => !USER_SCOPES.has(s));
  const raw = body.get('scope');
  const resource = parseResource(body.get('resource'));
  let scopes = allowed;
  if (raw !== undefined) {
    const asked = [...new Set(raw.split(' ').filter(Boolean))];
    const refused = asked.filter((s) => !allowed.includes(s));
    if (refused.length > 0) throw new InvalidScope(`scope not allowed for this client: ${refused.join(' ')}`);
    scopes = asked;
  }
  // RFC 8707 (issue 13): `resource` picks the API (aud, only its scopes, its lifetime and algorithm);
  // without it, scopes of more than one API are invalid_target. From the isolate's cached table.
  const selected = await apiFor(env, resource, scopes);
  const ttl = lifetimes(env, client);
  const lifetime = selected.api?.accessTokenTtl ?? ttl.accessToken;
  const issuedAt = now();
  const scope = selected.scopes.join(' ');
  const accessToken = await signAccessToken(
    { issuer, subject: client.id, clientId: client.id, scope, issuedAt, lifetime, dpopJkt: opts.dpopJkt, audience: selected.api?.identifier },
    await signingKey(env, selected.api?.signingAlg ?? keyPolicy(env).defaultAlg),
  );
  return { access_token: accessToken, token_type: opts.dpopJkt ? 'DPoP' : 'Bearer', expires_in: lifetime, scope };
}
