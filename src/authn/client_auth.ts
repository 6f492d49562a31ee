import { verifyClientSecret } from '../crypto/client_secret';
import { InvalidClient, InvalidRequest } from '../errors';
import type { Params } from '../http/params';
import { ClientRepository, type Client, type ClientAuthMethod } from '../storage/clients';

export const SUPPORTED_AUTH_METHODS: ClientAuthMethod[] = ['client_secret_basic', 'client_secret_post', 'none'];

/** Thrown for a failed client_secret_basic: RFC 6749 §5.2 requires 401 with WWW-Authenticate. */
export class InvalidBasicClient extends InvalidClient {}

interface Presented {
  method: ClientAuthMethod;
  clientId: string;
  secret?: string;
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
  if (basic && postSecret !== undefined) throw new InvalidRequest('client authentication must use only one method');
  if (basic) {
    if (postId !== undefined && postId !== basic.clientId) throw new InvalidRequest('client_id does not match the authenticated client');
    return basic;
  }
  if (!postId) throw new InvalidClient('client authentication is required');
  if (postSecret !== undefined) return { method: 'client_secret_post', clientId: postId, secret: postSecret };
  return { method: 'none', clientId: postId };
}

/**
 * Authenticates the client at the token endpoint. The method must be the one the client
 * registered; secrets are compared as salted hashes in constant time. Every failure reads the
 * same to the caller, so client ids cannot be probed.
 */
export async function authenticateClient(clients: ClientRepository, authorization: string | undefined, body: Params): Promise<Client> {
  const p = presented(authorization, body);
  const Failure = p.method === 'client_secret_basic' ? InvalidBasicClient : InvalidClient;
  const client = await clients.find(p.clientId);
  if (!client) throw new Failure('client authentication failed');
  if (client.tokenEndpointAuthMethod !== p.method) {
    throw new Failure(`client authentication failed: this client is registered for ${client.tokenEndpointAuthMethod}`);
  }
  if (p.method !== 'none') {
    if (!client.secretHash || !(await verifyClientSecret(p.secret ?? '', client.secretHash))) throw new Failure('client authentication failed');
  }
  return client;
}
