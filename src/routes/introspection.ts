import { Hono } from 'hono';
import { now } from '../config';
import type { AppEnv, Bindings } from '../env';
import { InvalidRequest } from '../errors';
import { withCaller } from '../authn/client_request';
import type { DpopProof } from '../authn/dpop';
import { dpopFailure, dpopProofOf, setDpopNonce } from '../authn/dpop_request';
import type { Api } from '../storage/apis';
import { methodNotAllowed } from '../http/json_error';
import type { Client } from '../storage/clients';
import { inspectToken, type InspectedToken } from '../tokens/inspect';
import { subjectFor } from '../tokens/subject';

/** RFC 7662 token introspection, for authenticated clients and APIs (their own credential, issue 13). */
export const introspection = new Hono<AppEnv>();

/**
 * RFC 7662 §4: the caller learns about a token only if it may use it: the token was issued to
 * the caller, or names the caller in its audience. Anything else is simply inactive.
 */
function concerns(found: InspectedToken, caller: Client): boolean {
  if (found.clientId === caller.id) return true;
  if (found.kind !== 'access_token') return false;
  return audienceOf(found).includes(caller.id);
}

const audienceOf = (found: InspectedToken & { kind: 'access_token' }): string[] => (Array.isArray(found.claims.aud) ? found.claims.aud : [found.claims.aud]);

/** Issue 13: an API learns only about access tokens whose aud includes its identifier (RFC 7662 §4). */
const concernsApi = (found: InspectedToken, api: Api): found is InspectedToken & { kind: 'access_token' } =>
  found.kind === 'access_token' && audienceOf(found).includes(api.identifier);

function describeAccessToken(found: InspectedToken & { kind: 'access_token' }, issuer: string) {
  const t = found.claims;
  // RFC 9449 §6.2: a DPoP-bound token is reported with its confirmation (cnf.jkt) and token_type DPoP.
  const bound = t.cnf?.jkt ? { cnf: { jkt: t.cnf.jkt }, token_type: 'DPoP' } : { token_type: 'Bearer' };
  return { active: true, scope: t.scope, client_id: t.client_id, sub: t.sub, exp: t.exp, iat: t.iat, iss: issuer, aud: t.aud, jti: t.jti, ...bound };
}

async function describe(found: InspectedToken, issuer: string, caller: Client, env: Bindings) {
  if (found.kind === 'access_token') return describeAccessToken(found, issuer);
  const f = found.family;
  // A refresh token is only ever described to its own client: the sub is the one that client sees (OIDC Core §8).
  return { active: true, scope: f.scope, client_id: f.clientId, sub: await subjectFor(env, caller, f.userId), exp: Math.min(f.expiresAt, f.grantExpiresAt), iat: f.issuedAt, iss: issuer, aud: f.clientId, token_type: 'refresh_token' };
}

introspection.post('/', async (c) => {
  // Issue 14 / RFC 9449: the introspecting client may send a DPoP proof (a resource server holding
  // a key); it is checked exactly as at the token endpoint (typ, alg, public jwk, htm/htu, iat,
  // single-use jti, the server nonce first), so a bad proof is refused before authentication.
  let proof: DpopProof | undefined;
  try {
    proof = await dpopProofOf(c, '/introspect', 'as');
  } catch (err) {
    return dpopFailure(c, err);
  }
  return withCaller(c, '/introspect', true, async (caller, body) => {
    const token = body.get('token');
    if (!token) throw new InvalidRequest('token is required');
    const found = await inspectToken(c.env, c.var.issuer, token, body.get('token_type_hint'), now());
    c.header('Cache-Control', 'no-store');
    if (proof) await setDpopNonce(c, 'as');
    // §2.2: expired, revoked, unknown or someone else's: just {"active": false}.
    if (!found || !found.active) return c.json({ active: false });
    if (caller.kind === 'api') return c.json(concernsApi(found, caller.api) ? describeAccessToken(found, c.var.issuer) : { active: false });
    if (!concerns(found, caller.client)) return c.json({ active: false });
    return c.json(await describe(found, c.var.issuer, caller.client, c.env));
  });
});

introspection.all('/', (c) => methodNotAllowed(c, 'POST'));
