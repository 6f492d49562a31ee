import { Hono } from 'hono';
import type { AppEnv } from '../env';
import { InvalidDpopProof, InvalidRequest, UnsupportedGrantType } from '../errors';
import type { DpopProof } from '../authn/dpop';
import { dpopFailure, dpopProofOf, setDpopNonce } from '../authn/dpop_request';
import { authorizationCodeGrant } from '../grants/authorization_code';
import { clientCredentialsGrant } from '../grants/client_credentials';
import { refreshTokenGrant } from '../grants/refresh_token';
import { withClient } from '../authn/client_request';
import { methodNotAllowed } from '../http/json_error';
import { metric } from '../observability/log';
import { warmApiTable } from '../grants/resource';

/** RFC 6749 §3.2 token endpoint: POST only, form-encoded; one module per grant in src/grants/. */
export const token = new Hono<AppEnv>();

const GRANTS = {
  authorization_code: authorizationCodeGrant,
  refresh_token: refreshTokenGrant,
  client_credentials: clientCredentialsGrant,
} as const;

export const SUPPORTED_GRANT_TYPES = Object.keys(GRANTS);

token.post('/', async (c) => {
  // RFC 9449 §5: a DPoP proof, when sent, is checked (nonce first) before the client authenticates,
  // so a nonce retry never spends the client's assertion.
  let proof: DpopProof | undefined;
  try {
    proof = await dpopProofOf(c, '/token', 'as');
  } catch (err) {
    return dpopFailure(c, err);
  }
  return withClient(c, '/token', async (client, body) => {
    const grantType = body.get('grant_type');
    if (!grantType) throw new InvalidRequest('grant_type is required');
    if (!Object.hasOwn(GRANTS, grantType)) throw new UnsupportedGrantType(`grant_type ${grantType} is not supported`);
    // RFC 9449 §5.2: a client registered with dpop_bound_access_tokens always sends a proof.
    if (!proof && client.dpopBoundAccessTokens) throw new InvalidDpopProof('this client must send a DPoP proof (dpop_bound_access_tokens)');
    const response = await GRANTS[grantType as keyof typeof GRANTS](c.env, client, body, c.var.issuer, { dpopJkt: proof?.jkt });
    metric('token', grantType, client.id);
    if (proof) await setDpopNonce(c, 'as');
    // RFC 6749 §5.1: responses carrying tokens MUST NOT be cached.
    c.header('Cache-Control', 'no-store');
    c.header('Pragma', 'no-cache');
    return c.json(response);
  }, {
    // Issue 13: a request that will consult the API table (client credentials, or a `resource`) loads
    // it, in a cold isolate, beside the client lookup rather than after it.
    prefetch: (body) => {
      if (body.get('grant_type') === 'client_credentials' || body.has('resource')) warmApiTable(c.env);
    },
  });
});

token.all('/', (c) => methodNotAllowed(c, 'POST'));
