import { createUser, EMAIL, MAX_EMAIL_LENGTH, USERNAME } from '../authn/new_user';
import { randomToken } from '../crypto/random';
import type { Bindings } from '../env';
import { UpstreamRepository, type Upstream } from '../storage/upstreams';
import type { User, UserClaims } from '../storage/users';
import { ATTRIBUTE_PREFIX } from './config';

/**
 * Local accounts of upstream identities: just-in-time provisioning on the first sign-in (through
 * the one user-creation path, authn/new_user.ts, with the link in the same batch), the mapped
 * claims refreshed on later ones. Our `sub` (users.id) never changes whatever the upstream sends.
 */

const BOOLEAN_CLAIMS = new Set(['email_verified', 'phone_number_verified']);
const MAX_TEXT = 500;

export interface MappedProfile {
  claims: UserClaims;
  attributes: Record<string, unknown>;
}

/** The upstream's claims through the upstream's mapping (pure): strings and booleans as the local claims need them. */
export function mapClaims(mapping: Record<string, string>, upstreamClaims: Record<string, unknown>): MappedProfile {
  const claims: Record<string, unknown> = {};
  const attributes: Record<string, unknown> = {};
  for (const [local, remote] of Object.entries(mapping)) {
    const v = upstreamClaims[remote];
    if (v === undefined || v === null) continue;
    if (local.startsWith(ATTRIBUTE_PREFIX)) {
      const ok = typeof v === 'string' ? v.length <= MAX_TEXT : typeof v === 'number' || typeof v === 'boolean' || (Array.isArray(v) && v.length <= 100 && v.every((x) => typeof x === 'string' && x.length <= MAX_TEXT));
      if (ok) attributes[local.slice(ATTRIBUTE_PREFIX.length)] = v;
    } else if (BOOLEAN_CLAIMS.has(local)) {
      // Some providers send "true"/"false" as strings.
      if (typeof v === 'boolean') claims[local] = v;
      else if (v === 'true' || v === 'false') claims[local] = v === 'true';
    } else if (typeof v === 'string' && v.length <= MAX_TEXT) {
      claims[local] = v;
    }
  }
  if (typeof claims.email === 'string' && (!EMAIL.test(claims.email) || claims.email.length > MAX_EMAIL_LENGTH)) {
    delete claims.email;
    delete claims.email_verified;
  }
  return { claims: claims as UserClaims, attributes };
}

/** A username for a new account: the upstream's preferred_username or the email's local part, made to fit, else the slug and random letters. */
export function usernameFor(upstream: Pick<Upstream, 'slug'>, upstreamClaims: Record<string, unknown>, mapped: UserClaims): string {
  const raw = [upstreamClaims.preferred_username, mapped.email?.split('@')[0]].find((v): v is string => typeof v === 'string' && v !== '');
  const cleaned = raw?.replace(/[^A-Za-z0-9._-]/g, '').slice(0, 48);
  return cleaned && USERNAME.test(cleaned) ? cleaned : `${upstream.slug}-${randomToken(6).replace(/[^A-Za-z0-9]/g, 'x')}`;
}

export type Provisioned =
  | { kind: 'user'; user: User; created: boolean }
  /** The verified email is a local account's and the upstream links by email: the user must prove that account first. */
  | { kind: 'confirm-link'; userId: string; mapped: MappedProfile };

/**
 * Finds the local user linked to (upstream, sub) and refreshes its mapped claims, or creates one
 * linked to it. With `link_by_email` and a verified email that is a local account's, nothing is
 * written: the caller asks for that account's password first (never a silent link).
 */
export async function provision(env: Bindings, upstream: Upstream, subject: string, upstreamClaims: Record<string, unknown>, at: number): Promise<Provisioned> {
  const repo = new UpstreamRepository(env.DB);
  const mapped = mapClaims(upstream.claimMapping, upstreamClaims);
  const email = mapped.claims.email ?? null;
  // One trip: the linked user, and who holds the upstream's email here.
  const { linked, emailOwner } = await repo.lookup(upstream.slug, subject, email);
  if (linked) {
    // An email another account holds is not taken over: the user keeps theirs.
    const keepEmail = email !== null && emailOwner !== null && emailOwner !== linked.id;
    const claims: UserClaims = { ...linked.claims, ...mapped.claims };
    if (keepEmail) {
      if (linked.claims.email === undefined) delete claims.email;
      else claims.email = linked.claims.email;
      if (linked.claims.email_verified === undefined) delete claims.email_verified;
      else claims.email_verified = linked.claims.email_verified;
    }
    const attributes = { ...(linked.attributes ?? {}), ...mapped.attributes };
    await repo.refreshLinkedUser(upstream.slug, subject, linked.id, claims, attributes, at);
    return { kind: 'user', user: { ...linked, claims, email: claims.email ?? null, attributes, updatedAt: at }, created: false };
  }
  if (email !== null && emailOwner !== null) {
    if (upstream.linkByEmail && mapped.claims.email_verified === true) return { kind: 'confirm-link', userId: emailOwner, mapped };
    // Not linked by email: a new account without the email (another account holds it).
    delete mapped.claims.email;
    delete mapped.claims.email_verified;
  }
  const link = (user: User) => [repo.insertLinkStatement({ upstream: upstream.slug, subject, userId: user.id, createdAt: at, lastUsedAt: at })];
  let username = usernameFor(upstream, upstreamClaims, mapped.claims);
  for (let attempt = 0; attempt < 3; attempt++) {
    const created = await createUser(env, { username, password: null, email: mapped.claims.email ?? null, claims: mapped.claims, attributes: mapped.attributes }, at, { alsoWrite: link });
    if (created.ok) return { kind: 'user', user: created.user, created: true };
    if (created.problem !== 'taken') throw new Error(`cannot create a user for upstream ${upstream.slug}: ${created.problem}`);
    // The name is someone's (or this identity was linked meanwhile: then it is found now).
    const again = await repo.lookup(upstream.slug, subject, null);
    if (again.linked) return { kind: 'user', user: again.linked, created: false };
    username = `${username.slice(0, 40)}-${randomToken(6).replace(/[^A-Za-z0-9]/g, 'x')}`;
  }
  throw new Error(`cannot find a free username for a user of upstream ${upstream.slug}`);
}
