// The claim mapping of upstream identities (pure), and the account links' storage rules.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { mapClaims, provision, usernameFor } from '../../../src/upstream/accounts';
import { DEFAULT_MAPPING } from '../../../src/upstream/config';
import { UpstreamRepository, type Upstream } from '../../../src/storage/upstreams';
import { UserRepository } from '../../../src/storage/users';
import { createUser } from '../helpers';

describe('mapClaims', () => {
  it('copies strings and booleans to the mapped local claims, attributes apart; ignores wrong types and bad emails', () => {
    const m = mapClaims(
      { ...DEFAULT_MAPPING, nickname: 'preferred_username', 'attributes.groups': 'groups', 'attributes.bad': 'obj' },
      { email: 'a@example.com', email_verified: 'true', name: 'A', given_name: 5, preferred_username: 'ay', groups: ['x', 'y'], obj: { a: 1 }, picture: 'x'.repeat(600) },
    );
    expect(m.claims).toEqual({ email: 'a@example.com', email_verified: true, name: 'A', nickname: 'ay' });
    expect(m.attributes).toEqual({ groups: ['x', 'y'] });
    expect(mapClaims(DEFAULT_MAPPING, { email: 'not-an-email', email_verified: true }).claims).toEqual({});
  });

  it('usernameFor: preferred_username or the email local part, cleaned; else slug and random letters', () => {
    expect(usernameFor({ slug: 'corp' }, { preferred_username: 'jo hn!' }, {})).toBe('john');
    expect(usernameFor({ slug: 'corp' }, {}, { email: 'mary.k@example.com' })).toBe('mary.k');
    expect(usernameFor({ slug: 'corp' }, { preferred_username: '!' }, {})).toMatch(/^corp-[A-Za-z0-9]+$/);
  });
});

describe('provision', () => {
  const upstream = async (linkByEmail = false): Promise<Upstream> => {
    const u: Upstream = {
      slug: `p-${crypto.randomUUID().slice(0, 8)}`, name: 'P', issuer: 'https://p.example.com', clientId: 'c', clientSecretSealed: 'x', authMethod: 'client_secret_basic', signingKey: null,
      scopes: ['openid'], claimMapping: DEFAULT_MAPPING, linkByEmail, endSession: false, createdAt: 1, updatedAt: 1,
    };
    await new UpstreamRepository(env.DB).insert(u);
    return u;
  };

  it('creates a user with its link in one batch, then finds and refreshes it; our sub never changes', async () => {
    const u = await upstream();
    const sub = crypto.randomUUID();
    const first = await provision(env, u, sub, { email: `${sub}@example.com`, email_verified: true, name: 'First' }, 100);
    expect(first.kind === 'user' && first.created).toBe(true);
    const id = first.kind === 'user' ? first.user.id : '';
    const again = await provision(env, u, sub, { email: `${sub}@example.com`, name: 'Second' }, 200);
    expect(again.kind === 'user' && !again.created && again.user.id === id).toBe(true);
    expect((await new UserRepository(env.DB).find(id))!.claims.name).toBe('Second');
    expect((await new UpstreamRepository(env.DB).findLink(u.slug, sub))).toMatchObject({ userId: id, lastUsedAt: 200 });
  });

  it('a taken email: confirm-link when linking by email and verified (nothing written), else a new user without it', async () => {
    const local = await createUser();
    const email = `${local.username}@example.test`;
    const linking = await upstream(true);
    const sub = crypto.randomUUID();
    const asked = await provision(env, linking, sub, { email, email_verified: true }, 100);
    expect(asked).toMatchObject({ kind: 'confirm-link', userId: local.id });
    expect(await new UpstreamRepository(env.DB).findLink(linking.slug, sub)).toBeNull();

    const plain = await upstream(false);
    const made = await provision(env, plain, sub, { email, email_verified: true }, 100);
    expect(made.kind === 'user' && made.user.id !== local.id && made.user.email === null).toBe(true);
  });

  it('an upstream deleted takes its links with it (the users stay)', async () => {
    const u = await upstream();
    const sub = crypto.randomUUID();
    const made = await provision(env, u, sub, {}, 100);
    const repo = new UpstreamRepository(env.DB);
    expect(await repo.delete(u.slug)).toBe(true);
    expect(await repo.findLink(u.slug, sub)).toBeNull();
    expect(await new UserRepository(env.DB).find(made.kind === 'user' ? made.user.id : '')).not.toBeNull();
  });
});
