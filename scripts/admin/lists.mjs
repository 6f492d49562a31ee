// The signing algorithms and client authentication methods, from the one list the Worker also
// uses (src/algorithms.json; test/workerd/cli/lists.test.ts keeps src's constants equal to it).
import { readFileSync } from 'node:fs';

const lists = JSON.parse(readFileSync(new URL('../../src/algorithms.json', import.meta.url), 'utf8'));

/** Signing key algorithms (keys rotate --alg, clients --id-token-alg). */
export const SIGNING_ALGS = lists.signingAlgorithms;
/** token_endpoint_auth_method values (clients --auth-method). */
export const AUTH_METHODS = lists.clientAuthMethods;
