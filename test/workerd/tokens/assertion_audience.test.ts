// Client assertion audiences after the 2025 audience-injection disclosure, and the
// CLIENT_ASSERTION_AUDIENCE setting (issuer alone, as FAPI 2.0 requires).
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { app } from '../../../src/app';
import { assertionAudienceSetting, assertionAudiences } from '../../../src/authn/client_assertion';
import { clientKey, createClient, env, expectError, expectTokens, ISSUER, JWT_BEARER, sign, TOKEN_URL, uniqueIp } from './helpers';

const es = await clientKey('ES256');

/** POST /token client_credentials with the assertion, against the app with these settings. */
async function ccWithSettings(vars: Record<string, string>, assertion: string): Promise<Response> {
  const ctx = createExecutionContext();
  const body = new URLSearchParams({ grant_type: 'client_credentials', client_assertion_type: JWT_BEARER, client_assertion: assertion });
  const req = new Request(`${ISSUER}/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'CF-Connecting-IP': uniqueIp() },
    body: body.toString(),
  });
  const res = await app.fetch(req, { ...env, ...vars }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

const keyClient = () =>
  createClient({ token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [es.publicJwk] }, grant_types: ['client_credentials'], scope: 'api:read', redirect_uris: [] });

describe('CLIENT_ASSERTION_AUDIENCE', () => {
  it('reads issuer-or-token-endpoint by default, issuer when asked, and refuses anything else as a configuration error', () => {
    const withAud = (value?: string) => ({ ...env, CLIENT_ASSERTION_AUDIENCE: value });
    expect(assertionAudienceSetting(withAud())).toBe('issuer-or-token-endpoint');
    expect(assertionAudienceSetting(withAud('issuer-or-token-endpoint'))).toBe('issuer-or-token-endpoint');
    expect(assertionAudienceSetting(withAud('issuer'))).toBe('issuer');
    // A misspelt value is a configuration error naming the variable, not a silent default.
    expect(() => assertionAudienceSetting(withAud('typo'))).toThrow(/CLIENT_ASSERTION_AUDIENCE/);
    expect(assertionAudiences(withAud(), ISSUER)).toEqual([ISSUER, TOKEN_URL]);
    expect(assertionAudiences(withAud('issuer'), ISSUER)).toEqual([ISSUER]);
  });

  it('default: aud = issuer and aud = token endpoint are accepted; an array holding the issuer is not', async () => {
    const client = await keyClient();
    await expectTokens(await ccWithSettings({}, await sign(client.client_id, es, { aud: ISSUER })));
    await expectTokens(await ccWithSettings({}, await sign(client.client_id, es, { aud: TOKEN_URL })));
    await expectError(await ccWithSettings({}, await sign(client.client_id, es, { aud: [ISSUER] })), 'invalid_client', 401);
    await expectError(await ccWithSettings({}, await sign(client.client_id, es, { aud: `${ISSUER}/` })), 'invalid_client', 401);
  });

  it('issuer: only aud = the issuer identifier passes; the token endpoint URL is refused', async () => {
    const client = await keyClient();
    const strict = { CLIENT_ASSERTION_AUDIENCE: 'issuer' };
    await expectTokens(await ccWithSettings(strict, await sign(client.client_id, es, { aud: ISSUER })));
    await expectError(await ccWithSettings(strict, await sign(client.client_id, es, { aud: TOKEN_URL })), 'invalid_client', 401);
    await expectError(await ccWithSettings(strict, await sign(client.client_id, es, { aud: [ISSUER, TOKEN_URL] })), 'invalid_client', 401);
  });
});
