// The admin CLI takes its signing algorithms and client authentication methods from
// src/algorithms.json; the Worker's own constants must be that same list.
import { describe, expect, it } from 'vitest';
import lists from '../../../src/algorithms.json';
import { SUPPORTED_AUTH_METHODS } from '../../../src/authn/client_auth';
import { KEY_ALGORITHMS } from '../../../src/keys/types';
import { fetchOp } from '../helpers';

describe('the lists the admin CLI offers', () => {
  it('are the Worker’s key algorithms and client authentication methods', () => {
    expect(lists.signingAlgorithms).toEqual([...KEY_ALGORITHMS]);
    expect(lists.clientAuthMethods).toEqual(SUPPORTED_AUTH_METHODS);
  });

  it('cover what discovery advertises', async () => {
    const md = (await (await fetchOp('/.well-known/openid-configuration')).json()) as Record<string, string[]>;
    for (const m of md.token_endpoint_auth_methods_supported!) expect(lists.clientAuthMethods).toContain(m);
    for (const a of md.id_token_signing_alg_values_supported!) expect(lists.signingAlgorithms).toContain(a);
  });
});
