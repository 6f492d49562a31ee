// Issue 9 (SSRF): URIs the OP will fetch (jwks_uri, sector_identifier_uri, backchannel_logout_uri) are
// refused at registration when they name a private, loopback or local address, and the sector
// document is never fetched from one even if such a URI got past registration.
import { describe, expect, it } from 'vitest';
import { InvalidClientMetadata } from '../../../src/errors';
import { resolveSector } from '../../../src/registration/sector';
import { ISSUER } from '../helpers';
import { JSON_HEADERS, expectError, fetchWith, initialAccessToken, register } from './local-helpers';

const base = { client_name: 'SSRF probe', redirect_uris: ['https://rp.example.test/cb'] };

describe('registration refuses URIs the OP would fetch from a non-public address', () => {
  it.each([
    ['jwks_uri', { token_endpoint_auth_method: 'private_key_jwt', jwks_uri: 'https://169.254.169.254/latest/meta-data/' }],
    ['jwks_uri', { token_endpoint_auth_method: 'private_key_jwt', jwks_uri: 'https://2130706433/jwks' }],
    ['jwks_uri', { token_endpoint_auth_method: 'private_key_jwt', jwks_uri: 'https://[::ffff:10.0.0.1]/jwks' }],
    ['sector_identifier_uri', { subject_type: 'pairwise', sector_identifier_uri: 'https://192.168.0.10/sector.json' }],
    ['sector_identifier_uri', { subject_type: 'pairwise', sector_identifier_uri: 'https://sectors.local/sector.json' }],
    ['backchannel_logout_uri', { backchannel_logout_uri: 'https://[fe80::1]/logout' }],
    ['backchannel_logout_uri', { backchannel_logout_uri: 'https://intranet/logout' }],
    ['backchannel_logout_uri', { backchannel_logout_uri: 'https://100.64.1.1/logout' }],
  ])('%s %j -> invalid_client_metadata', async (member, extra) => {
    const { initial_access_token } = await initialAccessToken();
    await expectError(await register({ ...base, ...extra }, initial_access_token), 400, 'invalid_client_metadata', new RegExp(`${member} must be a public address`));
  });

  it('a development OP (http on loopback) accepts a loopback backchannel_logout_uri, not a private one', async () => {
    const dev = 'http://127.0.0.1:8787';
    const post = (body: unknown) => fetchWith({ REGISTRATION: 'open', ISSUER: dev }, `${dev}/register`, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify(body) });
    const ok = await post({ ...base, redirect_uris: ['http://127.0.0.1:4000/cb'], backchannel_logout_uri: 'http://127.0.0.1:4000/backchannel' });
    expect(ok.status, await ok.clone().text()).toBe(201);
    await expectError(await post({ ...base, backchannel_logout_uri: 'https://10.1.1.1/backchannel' }), 400, 'invalid_client_metadata', /must be a public address/);
  });
});

describe('the sector_identifier_uri fetch', () => {
  it('never reaches a loopback or private address on a production OP', async () => {
    for (const uri of ['http://127.0.0.1:1/sector.json', 'https://10.0.0.1/sector.json', 'https://[::1]:1/sector.json']) {
      const err = await resolveSector('pairwise', uri, ['https://rp.example.test/cb'], ISSUER).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidClientMetadata);
      expect((err as InstanceType<typeof InvalidClientMetadata>).description).toMatch(/sector_identifier_uri must be a public address/);
    }
  });

  it('reaches loopback on a development OP; a failure is told in our words', async () => {
    const err = await resolveSector('pairwise', 'http://127.0.0.1:1/sector.json', ['http://127.0.0.1:4000/cb'], 'http://localhost:8787').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidClientMetadata);
    expect((err as InstanceType<typeof InvalidClientMetadata>).description).toMatch(/sector_identifier_uri (could not be reached|gave no answer)/);
  }, 30_000);
});
