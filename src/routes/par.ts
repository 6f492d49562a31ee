import { Hono } from 'hono';
import { withClient } from '../authn/client_request';
import type { DpopProof } from '../authn/dpop';
import { dpopFailure, dpopProofOf, setDpopNonce } from '../authn/dpop_request';
import { InvalidRequest } from '../errors';
import { pushAuthorizationRequest } from '../authorize/par';
import type { AppEnv } from '../env';
import { methodNotAllowed } from '../http/json_error';
import { signupEnabled } from '../session/config';
import { settings } from '../settings';

/**
 * RFC 9126 pushed authorization request endpoint: POST only, form-encoded; the client
 * authenticates as at the token endpoint (§2). 201 with request_uri and expires_in (§2.2); errors
 * as JSON (§2.3).
 */
export const par = new Hono<AppEnv>();

par.post('/', async (c) => {
  // RFC 9449 §10.1: a DPoP proof at PAR binds the code to its key, as dpop_jkt does.
  let proof: DpopProof | undefined;
  try {
    proof = await dpopProofOf(c, '/par', 'as');
  } catch (err) {
    return dpopFailure(c, err);
  }
  return withClient(c, '/par', async (client, body) => {
    if (proof) {
      const jkt = body.get('dpop_jkt');
      if (jkt !== undefined && jkt !== proof.jkt) throw new InvalidRequest('dpop_jkt does not match the key of the DPoP proof');
      body.set('dpop_jkt', proof.jkt);
      await setDpopNonce(c, 'as');
    }
    const pushed = await pushAuthorizationRequest(
      { env: c.env, issuer: c.var.issuer, signupEnabled: signupEnabled(c.env), requireParEverywhere: settings(c.env).requirePar },
      client,
      body,
    );
    c.header('Cache-Control', 'no-store');
    return c.json(pushed, 201);
  });
});

par.all('/', (c) => methodNotAllowed(c, 'POST'));
