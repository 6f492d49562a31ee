import type { Context } from 'hono';
import { now } from '../config';
import { sha256Base64url, timingSafeEqual } from '../crypto/hash';
import { randomToken } from '../crypto/random';
import { kekSecrets } from '../crypto/derived_keys';
import { openJsonWithAny, sealJson } from '../crypto/sealed';
import type { AppEnv } from '../env';
import { clearInteractionCookie, readInteractionCookie, setInteractionCookie } from '../http/cookies';
import { InteractionRepository, type Interaction } from '../storage/interactions';

/**
 * A parked authorization request lives in the browser, not in the database: its cookie
 * (`op_interaction_<id>`, one per interaction) holds the request and the progress of the sign-in
 * (who signed in, when, which account was chosen), sealed with AES-GCM under a key derived from
 * KEY_ENCRYPTION_KEY for this purpose alone (crypto/sealed.ts). The interaction id from the URL is
 * the additional data, so a cookie opens only under its own id; it carries its own expiry, checked on
 * every page; and it holds the CSRF token every form must echo (double submit, compared in constant
 * time). Altered, made-up or expired values open to nothing ("this sign-in has expired"). Only the
 * browser that started the request holds the cookie, so another browser given the URL gets nothing.
 *
 * A request too large for a cookie (a long claims parameter or request object) is kept in the
 * `interactions` table instead, written once and read by each page; the cookie then seals the same
 * state without the request, and the row's CSRF hash must match too.
 */
const PURPOSE = 'interaction-cookie';
/** Longest sealed value sent as a cookie (browsers keep at least 4096 bytes per cookie, name included). */
export const MAX_SEALED_COOKIE = 3600;

interface SealedState {
  v: 1;
  id: string;
  cid: string;
  csrf: string;
  exp: number;
  uid: string | null;
  at: number | null;
  sel: string | null;
  /** The request; absent when it is kept in the interactions table (too large for a cookie). */
  req?: unknown;
  /** A sign-in through an upstream provider under way (its state, nonce and PKCE verifier; routes/upstream). */
  up?: unknown;
}

export interface Parked<Request> {
  interaction: Interaction<Request>;
  /** The CSRF token of this interaction's forms. */
  csrf: string;
  /** true when the request is in the interactions table (the size fallback). */
  stored: boolean;
  /** A sign-in through an upstream provider under way: what its callback checks (sealed like the rest). */
  upstream?: unknown;
}

const kek = (c: Context<AppEnv>) => c.env.KEY_ENCRYPTION_KEY;

function stateOf<R>(p: Parked<R>): SealedState {
  const i = p.interaction;
  return { v: 1, id: i.id, cid: i.clientId, csrf: p.csrf, exp: i.expiresAt, uid: i.userId, at: i.authenticatedAt, sel: i.selected ?? null, ...(p.stored ? {} : { req: i.request }), ...(p.upstream !== undefined ? { up: p.upstream } : {}) };
}

async function writeCookie<R>(c: Context<AppEnv>, p: Parked<R>, sealed?: string): Promise<void> {
  const value = sealed ?? (await sealJson(kek(c), PURPOSE, p.interaction.id, stateOf(p)));
  setInteractionCookie(c, p.interaction.id, value, Math.max(1, p.interaction.expiresAt - now()));
}

/** Parks a validated request for the sign-in and consent pages: a sealed cookie, or a row when too large. */
export async function park<R>(c: Context<AppEnv>, clientId: string, request: R, ttl: number): Promise<Parked<R>> {
  const at = now();
  const p: Parked<R> = {
    interaction: { id: randomToken(24), clientId, request, csrfHash: '', userId: null, authenticatedAt: null, expiresAt: at + ttl, selected: null },
    csrf: randomToken(32),
    stored: false,
  };
  const sealed = await sealJson(kek(c), PURPOSE, p.interaction.id, stateOf(p));
  if (sealed.length <= MAX_SEALED_COOKIE) {
    await writeCookie(c, p, sealed);
    return p;
  }
  p.stored = true;
  p.interaction.csrfHash = await sha256Base64url(p.csrf);
  await new InteractionRepository<R>(c.env.DB).insert(p.interaction, at);
  await writeCookie(c, p);
  return p;
}

/** The interaction this browser started under `id`, or null (no cookie, altered, expired, or its row gone). */
export async function openParked<R>(c: Context<AppEnv>, id: string): Promise<Parked<R> | null> {
  const value = readInteractionCookie(c, id);
  if (!value) return null;
  // Sealed under the previous KEY_ENCRYPTION_KEY during a rotation: still opens (then re-sealed under the current one).
  const s = (await openJsonWithAny<SealedState>(kekSecrets(c.env), PURPOSE, id, value))?.value;
  const at = now();
  if (!s || s.v !== 1 || s.id !== id || typeof s.exp !== 'number' || s.exp <= at || typeof s.csrf !== 'string') return null;
  const interaction: Interaction<R> = { id, clientId: s.cid, request: s.req as R, csrfHash: '', userId: s.uid, authenticatedAt: s.at, expiresAt: s.exp, selected: s.sel };
  const upstream = s.up !== undefined ? { upstream: s.up } : {};
  if (s.req !== undefined) return { interaction, csrf: s.csrf, stored: false, ...upstream };
  const row = await new InteractionRepository<R>(c.env.DB).find(id, at);
  if (!row || row.clientId !== s.cid || !(await timingSafeEqual(await sha256Base64url(s.csrf), row.csrfHash))) return null;
  return { interaction: { ...interaction, request: row.request, csrfHash: row.csrfHash }, csrf: s.csrf, stored: true, ...upstream };
}

/** Records progress (sign-in, chosen account) in the browser's sealed cookie: no storage trip. */
export function saveParked<R>(c: Context<AppEnv>, p: Parked<R>): Promise<void> {
  return writeCookie(c, p);
}

/** The request is answered: its cookie goes (and its row, if it had one, after the response). */
export function endParked<R>(c: Context<AppEnv>, p: Parked<R>): void {
  clearInteractionCookie(c, p.interaction.id);
  if (p.stored) c.executionCtx.waitUntil(new InteractionRepository(c.env.DB).delete(p.interaction.id).catch(() => {}));
}
