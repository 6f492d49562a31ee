import type { JSONWebKeySet } from 'jose';
import type { KeyAlg, SealedPrivateKey } from '../keys/types';

/**
 * The client model: one record for admin-made and dynamically registered clients alike, composed
 * of small parts. Every member is a column of `clients` (docs/storage-schema.md); nothing the OP
 * echoes lives anywhere else.
 */

export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'client_secret_jwt' | 'private_key_jwt' | 'none';
/** `implicit` is never used at the token endpoint: it names clients registered for front-channel tokens (RFC 7591 §2.1). */
export type GrantType = 'authorization_code' | 'refresh_token' | 'client_credentials' | 'implicit';
export type ApplicationType = 'web' | 'native';
export type SubjectType = 'public' | 'pairwise';
export type RefreshPolicy = 'offline_access' | 'always';
/** What the ID token carries besides identity (issue 13): the granted scopes' claims (OIDC Core §5.4), or only what it must. */
export type IdTokenClaimsPolicy = 'scope' | 'minimal';

/** Per-client overrides of the global lifetimes, in seconds. */
export interface ClientLifetimes {
  access_token?: number;
  id_token?: number;
  refresh_token?: number;
  refresh_token_idle?: number;
}

/** A claim released to the client with every openid grant (operator-defined, migration 0005). */
export interface ClientScopeClaim {
  name: string;
  values?: string[];
}

/** How the client authenticates at the token endpoint (RFC 7591 §2, OIDC Core §9). */
export interface ClientCredentials {
  tokenEndpointAuthMethod: ClientAuthMethod;
  /** Salted SHA-256 of the secret (client_secret_basic / client_secret_post). */
  secretHash: string | null;
  /** client_secret_jwt needs the secret itself as its HMAC key, so it is kept sealed instead of hashed. */
  secretSealed: SealedPrivateKey | null;
  /** After a secret rotation, the previous secret's hash, accepted until previousSecretExpiresAt. */
  previousSecretHash: string | null;
  previousSecretExpiresAt: number | null;
  jwks: JSONWebKeySet | null;
  jwksUri: string | null;
  /** Registration 1.0 §2: the only algorithm accepted for its client assertions; null for the method's defaults. */
  tokenEndpointAuthSigningAlg: string | null;
}

/** Where the OP may send the user agent or its notifications (RFC 6749 §3.1.2, RP-Initiated / Front- / Back-Channel Logout). */
export interface ClientRedirects {
  applicationType: ApplicationType;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  frontchannelLogoutUri: string | null;
  frontchannelLogoutSessionRequired: boolean;
  backchannelLogoutUri: string | null;
  backchannelLogoutSessionRequired: boolean;
  initiateLoginUri: string | null;
}

/** How the client's authorization requests must reach the OP (RFC 9126, issue 14). */
export interface ClientRequestPolicy {
  /** RFC 9126 §6: require_pushed_authorization_requests: /authorize accepts only a request_uri from /par. */
  requirePushedAuthorizationRequests: boolean;
  /** RFC 9449 §5.2: dpop_bound_access_tokens: every token request must carry a DPoP proof. */
  dpopBoundAccessTokens: boolean;
  /** RFC 9101 / Registration 1.0 §2: request_object_signing_alg; null accepts any supported algorithm. */
  requestObjectSigningAlg: string | null;
  /** `fapi2`: the FAPI 2.0 Security Profile's rules together (see isFapi2 and checkClientConsistency). */
  profile: 'fapi2' | null;
  /** OIDC Core §6.2 / RFC 9101 §5.2: request_uris, the https URIs whose request objects /authorize may fetch. */
  requestUris: string[];
  /** JARM §3: authorization_signed_response_alg; null signs JARM responses with RS256. */
  authorizationSignedResponseAlg: KeyAlg | null;
}

/** What the client may be given and how its tokens are made. */
export interface ClientTokenPolicy {
  grantTypes: GrantType[];
  /**
   * Registration 1.0 §2 response_types (normalised spellings, see authorize/response_type.ts);
   * null: the types the grant types imply (`code` with authorization_code).
   */
  responseTypes: string[] | null;
  /** Scopes the client may be given; null means the standard OIDC scopes. */
  scopes: string[] | null;
  /** RFC 6749 §3.3: the scopes of a request that names none; null: such a request is invalid_scope. */
  defaultScopes: string[] | null;
  /** When refresh tokens are issued: with offline_access granted (OIDC Core §11), or to a confidential client always. */
  refreshPolicy: RefreshPolicy;
  /** id_token_claims: `scope` or `minimal`; null: the deployment's ID_TOKEN_CLAIMS. */
  idTokenClaims: IdTokenClaimsPolicy | null;
  /** Trusted by the operator: no consent page. Only the admin API sets it. */
  firstParty: boolean;
  /** id_token_signed_response_alg, or null for the server default. */
  idTokenAlg: KeyAlg | null;
  /** userinfo_signed_response_alg: a signed UserInfo response; null for plain JSON. */
  userinfoAlg: KeyAlg | null;
  lifetimes: ClientLifetimes;
  /** OIDC Core §8: `pairwise` clients see sub values computed from their sector identifier (a host). */
  subjectType: SubjectType;
  sectorIdentifier: string | null;
  /** Registration 1.0 §2: max_age used when a request has none. */
  defaultMaxAge: number | null;
  /** Registration 1.0 §2: auth_time is REQUIRED in its ID tokens. */
  requireAuthTime: boolean;
  /** Registration 1.0 §2: acr values used when a request names none. */
  defaultAcrValues: string[] | null;
  customClaims: ClientScopeClaim[];
}

/** What a client says about itself, shown to users or kept for the operator (RFC 7591 §2). */
export interface ClientRegistrationMetadata {
  name: string;
  logoUri: string | null;
  clientUri: string | null;
  policyUri: string | null;
  tosUri: string | null;
  /** Language variants of the members above (Registration 1.0 §2.1): `client_name#fr` → value. */
  localized: Record<string, string>;
  contacts: string[];
  softwareId: string | null;
  softwareVersion: string | null;
  sectorIdentifierUri: string | null;
  /** RFC 7592 §1: SHA-256 of the registration access token; null for admin-made clients. */
  registrationTokenHash: string | null;
}

export interface Client extends ClientCredentials, ClientRedirects, ClientRequestPolicy, ClientTokenPolicy, ClientRegistrationMetadata {
  id: string;
  createdAt: number;
}

/** The members a caller may set when creating or changing a client (everything but identity and secrets). */
export type ClientFields = Omit<Client, 'id' | 'createdAt' | 'secretHash' | 'secretSealed' | 'previousSecretHash' | 'previousSecretExpiresAt' | 'registrationTokenHash' | 'customClaims'>;

/** The defaults of every settable member: a confidential web client for the code flow. */
export const DEFAULT_FIELDS: ClientFields = {
  name: '',
  tokenEndpointAuthMethod: 'client_secret_basic',
  jwks: null,
  jwksUri: null,
  tokenEndpointAuthSigningAlg: null,
  applicationType: 'web',
  redirectUris: [],
  postLogoutRedirectUris: [],
  frontchannelLogoutUri: null,
  frontchannelLogoutSessionRequired: true,
  backchannelLogoutUri: null,
  backchannelLogoutSessionRequired: true,
  initiateLoginUri: null,
  requirePushedAuthorizationRequests: false,
  dpopBoundAccessTokens: false,
  requestObjectSigningAlg: null,
  profile: null,
  requestUris: [],
  authorizationSignedResponseAlg: null,
  grantTypes: ['authorization_code'],
  responseTypes: null,
  scopes: null,
  defaultScopes: null,
  refreshPolicy: 'offline_access',
  idTokenClaims: null,
  firstParty: false,
  idTokenAlg: null,
  userinfoAlg: null,
  lifetimes: {},
  subjectType: 'public',
  sectorIdentifier: null,
  defaultMaxAge: null,
  requireAuthTime: false,
  defaultAcrValues: null,
  logoUri: null,
  clientUri: null,
  policyUri: null,
  tosUri: null,
  localized: {},
  contacts: [],
  softwareId: null,
  softwareVersion: null,
  sectorIdentifierUri: null,
};

export const isPublicClient = (client: Pick<Client, 'tokenEndpointAuthMethod'>): boolean => client.tokenEndpointAuthMethod === 'none';

/** RFC 7591 §2 / Registration 1.0 §2: the response types that go with the grant types (code ⇔ authorization_code). */
export const responseTypesOf = (client: Pick<Client, 'grantTypes' | 'responseTypes'>): string[] =>
  client.responseTypes ?? (client.grantTypes.includes('authorization_code') ? ['code'] : []);

/** FAPI 2.0 Security Profile §5.4.1 / Message Signing: the signing algorithms a FAPI 2.0 client may use. */
export const FAPI2_ALGS = ['PS256', 'ES256', 'EdDSA'];
/** FAPI 2.0 Security Profile §5.3.2.2: authorization codes live at most 60 seconds. */
export const FAPI2_MAX_CODE_TTL = 60;

export const isFapi2 = (client: Pick<Client, 'profile'>): boolean => client.profile === 'fapi2';
