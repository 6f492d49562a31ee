import type { Child } from 'hono/jsx';
import { Layout } from './layout';

/**
 * The admin console's pages (issue 15): plain server-rendered forms, no script. Every form posts
 * the console session's CSRF token; what a page shows is the admin API's JSON, handed over by the
 * route (src/routes/console), never read here.
 */

type Json = Record<string, unknown>;
export type ConsoleSection = 'clients' | 'users' | 'keys' | 'audit' | 'settings' | 'claims' | 'registration' | 'logout-deliveries' | 'upstreams' | 'apis';

const BASE = '/admin/console';
const SECTIONS: [ConsoleSection, string][] = [
  ['clients', 'Clients'],
  ['users', 'Users'],
  ['keys', 'Signing keys'],
  ['audit', 'Audit trail'],
  ['claims', 'Scopes & claims'],
  ['registration', 'Registration tokens'],
  ['logout-deliveries', 'Logout deliveries'],
  ['upstreams', 'Upstream providers'],
  ['apis', 'APIs'],
  ['settings', 'Settings'],
];

export const when = (t: unknown): string => (typeof t === 'number' && t > 0 ? new Date(t * 1000).toISOString().replace('.000Z', 'Z') : '—');
const str = (v: unknown): string => (v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v));

export function Csrf(props: { csrf: string }) {
  return <input type="hidden" name="csrf" value={props.csrf} />;
}

/** A one-button form (POST, CSRF) for an action on a record. */
export function ActionButton(props: { action: string; csrf: string; label: string; danger?: boolean; confirm?: string; children?: Child }) {
  return (
    <form method="post" action={props.action} class="inline">
      <Csrf csrf={props.csrf} />
      {props.children}
      {props.confirm && (
        <label class="check">
          <input type="checkbox" name="confirm" value="yes" required /> {props.confirm}
        </label>
      )}
      <button type="submit" class={props.danger ? 'danger' : undefined}>
        {props.label}
      </button>
    </form>
  );
}

export interface ConsoleFrame {
  title: string;
  section: ConsoleSection;
  admin: { username: string };
  csrf: string;
  notice?: string;
  error?: string;
  children?: Child;
}

export function ConsolePage(p: ConsoleFrame) {
  return (
    <Layout title={`${p.title} · Admin console`} console>
      <nav class="console" aria-label="Admin console">
        <strong>Admin console</strong>
        {SECTIONS.map(([id, label]) => (
          <a href={`${BASE}/${id}`} aria-current={id === p.section ? 'page' : undefined}>
            {label}
          </a>
        ))}
        <form method="post" action={`${BASE}/logout`}>
          <Csrf csrf={p.csrf} />
          <span class="muted">{p.admin.username} </span>
          <button type="submit" class="secondary">
            Sign out
          </button>
        </form>
      </nav>
      <h1>{p.title}</h1>
      {p.notice && (
        <p class="notice" role="status">
          {p.notice}
        </p>
      )}
      {p.error && (
        <p class="alert" role="alert">
          {p.error}
        </p>
      )}
      {p.children}
    </Layout>
  );
}

export function ConsoleLogin(props: { csrf: string; error?: string; username?: string }) {
  return (
    <Layout title="Admin console sign-in">
      <h1>Admin console</h1>
      <p class="lead">Sign in with an account that has the admin role.</p>
      {props.error && (
        <p class="alert" role="alert">
          {props.error}
        </p>
      )}
      <form method="post" action={`${BASE}/login`}>
        <Csrf csrf={props.csrf} />
        <label for="username">Username or email</label>
        <input type="text" id="username" name="username" autocomplete="username" required value={props.username ?? ''} />
        <label for="password">Password</label>
        <input type="password" id="password" name="password" autocomplete="current-password" required />
        <div class="actions">
          <button type="submit">Sign in</button>
        </div>
      </form>
    </Layout>
  );
}

/** Previous / next links of a paged table. */
export function Pager(props: { prev?: string | null; next?: string | null }) {
  if (!props.prev && !props.next) return null;
  return (
    <p class="actions">
      {props.prev && (
        <a class="button" href={props.prev}>
          ← Previous
        </a>
      )}
      {props.next && (
        <a class="button" href={props.next} rel="next">
          Next →
        </a>
      )}
    </p>
  );
}

// ---------------------------------------------------------------- clients

export const AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'client_secret_jwt', 'private_key_jwt', 'none'];
export const GRANT_TYPES = ['authorization_code', 'refresh_token', 'client_credentials', 'implicit'];

export function ClientsList(p: ConsoleFrame & { clients: Json[]; prev?: string | null; next?: string | null }) {
  return (
    <ConsolePage {...p}>
      <p>
        <a class="button" href={`${BASE}/clients/new`}>
          New client
        </a>
      </p>
      {p.clients.length === 0 ? (
        <p class="muted">No clients yet. Create one with “New client” (or `npm run admin -- clients create`).</p>
      ) : (
        <table class="data">
          <thead>
            <tr>
              <th>Name</th>
              <th>client_id</th>
              <th>Authentication</th>
              <th>Grants</th>
              <th>Created</th>
            </tr>
          </thead>
          <tbody>
            {p.clients.map((c) => (
              <tr>
                <td>
                  <a href={`${BASE}/clients/${encodeURIComponent(str(c.client_id))}`}>{str(c.client_name) || '(unnamed)'}</a>
                </td>
                <td>
                  <code>{str(c.client_id)}</code>
                </td>
                <td>{str(c.token_endpoint_auth_method)}</td>
                <td>{((c.grant_types as string[] | undefined) ?? []).join(', ')}</td>
                <td>{when(c.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager prev={p.prev} next={p.next} />
    </ConsolePage>
  );
}

const lines = (v: unknown): string => (Array.isArray(v) ? v.join('\n') : '');

/** The client form (create and edit): the CLI's main options. */
export function ClientForm(p: ConsoleFrame & { action: string; client?: Json; submit: string }) {
  const c = p.client ?? {};
  const grants = (c.grant_types as string[] | undefined) ?? ['authorization_code'];
  return (
    <form method="post" action={p.action}>
      <Csrf csrf={p.csrf} />
      <label for="client_name">Name</label>
      <input type="text" id="client_name" name="client_name" required value={str(c.client_name)} />
      <label for="redirect_uris">Redirect URIs (one per line, exact match)</label>
      <textarea id="redirect_uris" name="redirect_uris" rows={3}>
        {lines(c.redirect_uris)}
      </textarea>
      <label for="token_endpoint_auth_method">Client authentication</label>
      <select id="token_endpoint_auth_method" name="token_endpoint_auth_method">
        {AUTH_METHODS.map((m) => (
          <option value={m} selected={m === (c.token_endpoint_auth_method ?? 'client_secret_basic')}>
            {m === 'none' ? 'none (public client, PKCE)' : m}
          </option>
        ))}
      </select>
      <fieldset>
        <legend>Grant types</legend>
        {GRANT_TYPES.map((g) => (
          <label class="check">
            <input type="checkbox" name={`grant_${g}`} value="on" checked={grants.includes(g)} /> {g}
          </label>
        ))}
      </fieldset>
      <label for="scope">Allowed scopes (space-separated; empty: the standard OIDC scopes)</label>
      <input type="text" id="scope" name="scope" value={str(c.scope)} />
      <label for="post_logout_redirect_uris">Post-logout redirect URIs (one per line)</label>
      <textarea id="post_logout_redirect_uris" name="post_logout_redirect_uris" rows={2}>
        {lines(c.post_logout_redirect_uris)}
      </textarea>
      <label for="backchannel_logout_uri">Back-channel logout URI</label>
      <input type="url" id="backchannel_logout_uri" name="backchannel_logout_uri" value={str(c.backchannel_logout_uri)} />
      <label for="jwks_uri">JWKS URI (private_key_jwt)</label>
      <input type="url" id="jwks_uri" name="jwks_uri" value={str(c.jwks_uri)} />
      <div class="row">
        <div>
          <label for="access_token_ttl">Access token lifetime (s)</label>
          <input type="number" id="access_token_ttl" name="access_token_ttl" min="1" value={str(c.access_token_ttl)} />
        </div>
        <div>
          <label for="refresh_token_ttl">Refresh token lifetime (s)</label>
          <input type="number" id="refresh_token_ttl" name="refresh_token_ttl" min="1" value={str(c.refresh_token_ttl)} />
        </div>
      </div>
      <label class="check">
        <input type="checkbox" name="first_party" value="on" checked={c.first_party === true} /> First party (consent is skipped)
      </label>
      <label class="check">
        <input type="checkbox" name="require_pushed_authorization_requests" value="on" checked={c.require_pushed_authorization_requests === true} /> Require PAR
        (RFC 9126)
      </label>
      <label class="check">
        <input type="checkbox" name="dpop_bound_access_tokens" value="on" checked={c.dpop_bound_access_tokens === true} /> DPoP-bound access tokens (RFC 9449)
      </label>
      <div class="actions">
        <button type="submit">{p.submit}</button>
      </div>
    </form>
  );
}

export function NewClientPage(p: ConsoleFrame & { client?: Json }) {
  return (
    <ConsolePage {...p}>
      <ClientForm {...p} action={`${BASE}/clients`} submit="Create client" />
    </ConsolePage>
  );
}

export function ClientDetail(p: ConsoleFrame & { client: Json; secret?: string; activity?: { consents: Json[]; sessions: Json[] }; customClaims?: { released: Json[]; defined: string[]; draft?: string } }) {
  const id = str(p.client.client_id);
  const path = `${BASE}/clients/${encodeURIComponent(id)}`;
  const method = str(p.client.token_endpoint_auth_method);
  return (
    <ConsolePage {...p}>
      <p>
        client_id: <code>{id}</code> · created {when(p.client.created_at)}
      </p>
      {p.secret && (
        <div class="notice" role="status">
          <p>The client secret, shown this once (store it now; it cannot be read again):</p>
          <code class="secret" id="client-secret">
            {p.secret}
          </code>
        </div>
      )}
      <h2>Edit</h2>
      <ClientForm {...p} action={path} submit="Save changes" />
      <h2>Secret</h2>
      {method === 'client_secret_basic' || method === 'client_secret_post' ? (
        <ActionButton action={`${path}/rotate-secret`} csrf={p.csrf} label="Rotate secret">
          <label for="overlap">Old secret keeps working for (s)</label>
          <input type="number" id="overlap" name="overlap" min="0" max="2592000" value="86400" />
        </ActionButton>
      ) : (
        <p class="muted">This client ({method}) has no rotatable secret: change its authentication method to issue a new one.</p>
      )}
      {p.customClaims && (
        <>
          <h2>Custom claims</h2>
          <p class="muted">
            Operator-defined claims released to this client with every openid grant, without a scope.{' '}
            {p.customClaims.defined.length === 0 ? (
              <>
                No custom claim is defined yet: define one under <a href={`${BASE}/claims`}>Scopes &amp; claims</a> first.
              </>
            ) : (
              <>Defined: {p.customClaims.defined.map((n) => <code>{n} </code>)}</>
            )}
          </p>
          <form method="post" action={`${path}/claims`}>
            <Csrf csrf={p.csrf} />
            <label for="custom_claims">Released claims (JSON list of names or {'{"name": …, "values": […]}'}; [] releases none)</label>
            <textarea id="custom_claims" name="claims" rows={3}>
              {p.customClaims.draft ?? JSON.stringify(p.customClaims.released)}
            </textarea>
            <div class="actions">
              <button type="submit">Save custom claims</button>
            </div>
          </form>
        </>
      )}
      {p.activity && (
        <>
          <h2>Consents</h2>
          {p.activity.consents.length === 0 ? (
            <p class="muted">No user has approved this client yet{p.client.first_party === true ? ' (first party: consent is skipped)' : ''}.</p>
          ) : (
            <table class="data">
              <thead>
                <tr>
                  <th>User</th>
                  <th>Scopes</th>
                  <th>Approved</th>
                </tr>
              </thead>
              <tbody>
                {p.activity.consents.map((x) => (
                  <tr>
                    <td>
                      <a href={`${BASE}/users/${encodeURIComponent(str(x.user_id))}`}>{str(x.username)}</a>
                    </td>
                    <td>{((x.scopes as string[] | undefined) ?? []).join(' ')}</td>
                    <td>{when(x.updated_at)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <h2>Sessions</h2>
          {p.activity.sessions.length === 0 ? (
            <p class="muted">No live session has signed in to this client.</p>
          ) : (
            <table class="data">
              <thead>
                <tr>
                  <th>sid</th>
                  <th>User</th>
                  <th>Signed in</th>
                </tr>
              </thead>
              <tbody>
                {p.activity.sessions.map((s) => (
                  <tr>
                    <td>
                      <code>{str(s.sid)}</code>
                    </td>
                    <td>
                      <a href={`${BASE}/users/${encodeURIComponent(str(s.user_id))}`}>{str(s.user_id)}</a>
                    </td>
                    <td>{when(s.auth_time)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
      <h2>Delete</h2>
      <p class="muted">Deleting a client removes its consents and grants: its tokens stop working.</p>
      <ActionButton action={`${path}/delete`} csrf={p.csrf} label="Delete client" danger confirm="I understand this cannot be undone" />
    </ConsolePage>
  );
}

// ---------------------------------------------------------------- users

export function UsersList(p: ConsoleFrame & { users: Json[]; q: string; prev?: string | null; next?: string | null }) {
  return (
    <ConsolePage {...p}>
      <form method="get" action={`${BASE}/users`} class="inline">
        <label for="q">Search</label>
        <input type="search" id="q" name="q" value={p.q} placeholder="username, email, name or id" />
        <button type="submit">Search</button>
        <a class="button" href={`${BASE}/users/new`}>
          New user
        </a>
      </form>
      {p.users.length === 0 ? (
        <p class="muted">{p.q ? 'No user matches this search.' : 'No users yet. Create one with “New user” (or `npm run admin -- users create`).'}</p>
      ) : (
        <table class="data">
          <thead>
            <tr>
              <th>Username</th>
              <th>Email</th>
              <th>Name</th>
              <th>Role</th>
              <th>State</th>
            </tr>
          </thead>
          <tbody>
            {p.users.map((u) => {
              const claims = (u.claims ?? {}) as Json;
              return (
                <tr>
                  <td>
                    <a href={`${BASE}/users/${encodeURIComponent(str(u.id))}`}>{str(u.username)}</a>
                  </td>
                  <td>{str(u.email)}</td>
                  <td>{str(claims.name) || [claims.given_name, claims.family_name].filter(Boolean).join(' ')}</td>
                  <td>{str(u.role)}</td>
                  <td>{u.disabled_at ? `disabled ${when(u.disabled_at)}` : 'active'}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <Pager prev={p.prev} next={p.next} />
    </ConsolePage>
  );
}

export const EDITABLE_CLAIMS = ['name', 'given_name', 'family_name', 'nickname', 'email', 'phone_number', 'locale', 'zoneinfo', 'picture', 'website', 'birthdate'];

export function NewUserPage(p: ConsoleFrame & { values?: Json }) {
  const v = p.values ?? {};
  return (
    <ConsolePage {...p}>
      <form method="post" action={`${BASE}/users`}>
        <Csrf csrf={p.csrf} />
        <label for="username">Username</label>
        <input type="text" id="username" name="username" required value={str(v.username)} />
        <label for="password">Password (at least 10 characters)</label>
        <input type="password" id="password" name="password" autocomplete="new-password" required />
        <label for="email">Email</label>
        <input type="email" id="email" name="email" value={str(v.email)} />
        <div class="row">
          <div>
            <label for="given_name">Given name</label>
            <input type="text" id="given_name" name="given_name" value={str(v.given_name)} />
          </div>
          <div>
            <label for="family_name">Family name</label>
            <input type="text" id="family_name" name="family_name" value={str(v.family_name)} />
          </div>
        </div>
        <div class="actions">
          <button type="submit">Create user</button>
        </div>
      </form>
    </ConsolePage>
  );
}

export function UserDetail(p: ConsoleFrame & { user: Json; self: boolean; sessions: Json[]; links?: Json[] }) {
  const u = p.user;
  const id = str(u.id);
  const path = `${BASE}/users/${encodeURIComponent(id)}`;
  const claims = (u.claims ?? {}) as Json;
  return (
    <ConsolePage {...p}>
      <p>
        id (sub): <code>{id}</code> · created {when(u.created_at)} · updated {when(u.updated_at)} · {u.has_password === false ? 'no password (passkeys only)' : 'has a password'}
      </p>
      <p>{u.disabled_at ? <strong>Disabled since {when(u.disabled_at)}.</strong> : 'Active.'}</p>
      <h2>Profile claims</h2>
      <form method="post" action={path}>
        <Csrf csrf={p.csrf} />
        {EDITABLE_CLAIMS.map((name) => (
          <>
            <label for={`claim_${name}`}>{name}</label>
            <input type="text" id={`claim_${name}`} name={`claim_${name}`} value={str(claims[name])} />
          </>
        ))}
        <label for="attributes">Attributes (JSON object; custom claims read them)</label>
        <textarea id="attributes" name="attributes" rows={3}>
          {JSON.stringify(u.attributes ?? {})}
        </textarea>
        <div class="actions">
          <button type="submit">Save profile</button>
        </div>
      </form>
      <h2>Role</h2>
      <ActionButton action={`${path}/role`} csrf={p.csrf} label="Set role">
        <select name="role" aria-label="Role">
          <option value="none" selected={!u.role}>
            none
          </option>
          <option value="admin" selected={u.role === 'admin'}>
            admin (may sign in to this console)
          </option>
        </select>
      </ActionButton>
      <h2>Access</h2>
      {u.disabled_at ? (
        <ActionButton action={`${path}/enable`} csrf={p.csrf} label="Enable user" />
      ) : p.self ? (
        <p class="muted">You cannot disable your own account here.</p>
      ) : (
        <>
          <p class="muted">Disabling refuses sign-in, ends the user's sessions and revokes their grants (access and refresh tokens).</p>
          <ActionButton action={`${path}/disable`} csrf={p.csrf} label="Disable user" danger />
        </>
      )}
      <p class="muted">There is no per-account lockout to lift: the sign-in throttle slows an address, never locks an account.</p>
      <h2>Password</h2>
      <ActionButton action={`${path}/password`} csrf={p.csrf} label="Reset password">
        <label for="new_password">New password (at least 10 characters; the user's sessions end)</label>
        <input type="password" id="new_password" name="password" autocomplete="new-password" required />
      </ActionButton>
      <h2>Sessions</h2>
      {p.sessions.length === 0 ? (
        <p class="muted">No live sessions.</p>
      ) : (
        <table class="data">
          <thead>
            <tr>
              <th>sid</th>
              <th>Signed in</th>
              <th>Methods</th>
              <th>Expires</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {p.sessions.map((s) => (
              <tr>
                <td>
                  <code>{str(s.sid)}</code>
                </td>
                <td>{when(s.auth_time)}</td>
                <td>{((s.amr as string[] | undefined) ?? []).join(' ')}</td>
                <td>{when(s.expires_at)}</td>
                <td>
                  <ActionButton action={`${path}/sessions/${encodeURIComponent(str(s.sid))}/end`} csrf={p.csrf} label="End session" />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>Passkeys</h2>
      {((u.passkeys as Json[] | undefined) ?? []).length === 0 ? (
        <p class="muted">No passkeys.</p>
      ) : (
        <ul class="list">
          {((u.passkeys as Json[] | undefined) ?? []).map((k) => (
            <li>
              <span>
                {str(k.name)} <span class="muted">(created {when(k.created_at)}, last used {when(k.last_used_at)})</span>
              </span>
              <ActionButton action={`${path}/passkeys/${encodeURIComponent(str(k.id))}/delete`} csrf={p.csrf} label="Remove" danger />
            </li>
          ))}
        </ul>
      )}
      <h2>Linked accounts</h2>
      {(p.links ?? []).length === 0 ? (
        <p class="muted">No upstream provider account is linked to this user.</p>
      ) : (
        <table class="data" id="linked-accounts">
          <thead>
            <tr>
              <th>Upstream</th>
              <th>Upstream sub</th>
              <th>Linked</th>
              <th>Last used</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {(p.links ?? []).map((l) => (
              <tr>
                <td>
                  {str(l.upstream_name) || str(l.upstream)} <code>{str(l.upstream)}</code>
                </td>
                <td>
                  <code>{str(l.subject)}</code>
                </td>
                <td>{when(l.created_at)}</td>
                <td>{when(l.last_used_at)}</td>
                <td>
                  <ActionButton action={`${path}/links/delete`} csrf={p.csrf} label="Remove link" danger>
                    <input type="hidden" name="upstream" value={str(l.upstream)} />
                    <input type="hidden" name="subject" value={str(l.subject)} />
                  </ActionButton>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>Delete</h2>
      {p.self ? (
        <p class="muted">You cannot delete your own account here.</p>
      ) : (
        <ActionButton action={`${path}/delete`} csrf={p.csrf} label="Delete user" danger confirm="I understand this cannot be undone" />
      )}
    </ConsolePage>
  );
}

// ---------------------------------------------------------------- keys

export function KeysPage(p: ConsoleFrame & { version: number; keys: Json[]; algorithms: string[] }) {
  return (
    <ConsolePage {...p}>
      <p class="muted">
        Keys rotate on schedule (the daily cron); these are emergency operations. Key set version {p.version}.
      </p>
      {p.algorithms.map((alg) => {
        const keys = p.keys.filter((k) => k.alg === alg);
        return (
          <>
            <h2>{alg}</h2>
            {keys.length === 0 ? (
              <p class="muted">No key yet: the first request creates the key set.</p>
            ) : (
              <table class="data">
                <thead>
                  <tr>
                    <th>kid</th>
                    <th>State</th>
                    <th>Created</th>
                    <th>Activated</th>
                    <th>Retired</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {keys.map((k) => (
                    <tr>
                      <td>
                        <code>{str(k.kid)}</code>
                      </td>
                      <td>{str(k.state)}</td>
                      <td>{when(k.created_at)}</td>
                      <td>{when(k.activated_at)}</td>
                      <td>{when(k.retired_at)}</td>
                      <td>
                        <ActionButton
                          action={`${BASE}/keys/${encodeURIComponent(str(k.kid))}/revoke`}
                          csrf={p.csrf}
                          label="Revoke"
                          danger
                          confirm="Tokens signed with this key stop verifying"
                        />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            <ActionButton action={`${BASE}/keys/rotate`} csrf={p.csrf} label={`Rotate ${alg} now`} confirm="Relying parties with a cached JWKS may briefly fail to verify new tokens">
              <input type="hidden" name="alg" value={alg} />
            </ActionButton>
          </>
        );
      })}
    </ConsolePage>
  );
}

// ---------------------------------------------------------------- audit

export function AuditPage(p: ConsoleFrame & { events: Json[]; filters: Record<string, string>; next?: string | null; first?: string | null }) {
  const f = p.filters;
  return (
    <ConsolePage {...p}>
      <form method="get" action={`${BASE}/audit`} class="filters">
        {(['type', 'actor', 'subject'] as const).map((name) => (
          <div>
            <label for={name}>{name}</label>
            <input type="search" id={name} name={name} value={f[name] ?? ''} />
          </div>
        ))}
        <div>
          <label for="since">since (ISO 8601)</label>
          <input type="search" id="since" name="since" value={f.since ?? ''} placeholder="2026-11-29T00:00:00Z" />
        </div>
        <div>
          <label for="until">until (ISO 8601)</label>
          <input type="search" id="until" name="until" value={f.until ?? ''} />
        </div>
        <div>
          <button type="submit">Filter</button>
        </div>
      </form>
      {p.events.length === 0 ? (
        <p class="muted">No events match. Widen the filters, or act (create a client, sign in) and come back.</p>
      ) : (
        <table class="data">
          <thead>
            <tr>
              <th>Time</th>
              <th>Type</th>
              <th>Actor</th>
              <th>Subject</th>
              <th>Outcome</th>
              <th>IP</th>
              <th>Details</th>
            </tr>
          </thead>
          <tbody>
            {p.events.map((e) => (
              <tr>
                <td>{when(e.at)}</td>
                <td>{str(e.type)}</td>
                <td>{str(e.actor)}</td>
                <td>{str(e.subject)}</td>
                <td>{str(e.outcome)}</td>
                <td>{str(e.ip)}</td>
                <td>
                  <code>{Object.keys((e.details as Json | undefined) ?? {}).length ? JSON.stringify(e.details) : ''}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager prev={p.first} next={p.next} />
    </ConsolePage>
  );
}

// ---------------------------------------------------------------- settings

export function SettingsPage(p: ConsoleFrame & { rows: { variable: string; doc: string; value: string }[] }) {
  return (
    <ConsolePage {...p}>
      <p class="muted">As this Worker parsed them (read-only; change them in wrangler.toml or with `wrangler secret put`). Secrets show only whether they are set.</p>
      <table class="data">
        <thead>
          <tr>
            <th>Variable</th>
            <th>Value</th>
            <th>What</th>
          </tr>
        </thead>
        <tbody>
          {p.rows.map((r) => (
            <tr>
              <td>
                <code>{r.variable}</code>
              </td>
              <td>{r.value}</td>
              <td class="muted">{r.doc}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </ConsolePage>
  );
}

// ---------------------------------------------------------------- scopes and claims

export function ClaimsPage(p: ConsoleFrame & { claims: Json[]; scopes: Json[] }) {
  return (
    <ConsolePage {...p}>
      <p class="muted">A custom claim is read from a user attribute; a custom scope releases claims. Standard scopes and claims (OIDC Core §5.4) are built in.</p>
      <h2>Claims</h2>
      {p.claims.length === 0 ? (
        <p class="muted">No custom claims yet. Define one below, then a scope that releases it.</p>
      ) : (
        <table class="data">
          <thead>
            <tr>
              <th>Name</th>
              <th>Attribute</th>
              <th>Description</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {p.claims.map((c) => (
              <tr>
                <td>
                  <code>{str(c.name)}</code>
                </td>
                <td>{str(c.attribute)}</td>
                <td>{str(c.description)}</td>
                <td>
                  <ActionButton action={`${BASE}/claims/claim/delete`} csrf={p.csrf} label="Delete" danger>
                    <input type="hidden" name="name" value={str(c.name)} />
                  </ActionButton>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form method="post" action={`${BASE}/claims/claim`}>
        <Csrf csrf={p.csrf} />
        <div class="row">
          <div>
            <label for="claim_name">New claim name</label>
            <input type="text" id="claim_name" name="name" required />
          </div>
          <div>
            <label for="claim_attribute">User attribute</label>
            <input type="text" id="claim_attribute" name="attribute" required />
          </div>
        </div>
        <label for="claim_description">Description</label>
        <input type="text" id="claim_description" name="description" />
        <div class="actions">
          <button type="submit">Create claim</button>
        </div>
      </form>
      <h2>Scopes</h2>
      {p.scopes.length === 0 ? (
        <p class="muted">No custom scopes yet.</p>
      ) : (
        <table class="data">
          <thead>
            <tr>
              <th>Name</th>
              <th>Claims</th>
              <th>Description</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {p.scopes.map((s) => (
              <tr>
                <td>
                  <code>{str(s.name)}</code>
                </td>
                <td>{((s.claims as Json[] | undefined) ?? []).map((c) => str(c.name)).join(', ')}</td>
                <td>{str(s.description)}</td>
                <td>
                  <ActionButton action={`${BASE}/claims/scope/${encodeURIComponent(str(s.name))}/delete`} csrf={p.csrf} label="Delete" danger />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form method="post" action={`${BASE}/claims/scope`}>
        <Csrf csrf={p.csrf} />
        <div class="row">
          <div>
            <label for="scope_name">New scope name</label>
            <input type="text" id="scope_name" name="name" required />
          </div>
          <div>
            <label for="scope_claims">Claims it releases (space-separated)</label>
            <input type="text" id="scope_claims" name="claims" required />
          </div>
        </div>
        <label for="scope_description">Description (shown on the consent page)</label>
        <input type="text" id="scope_description" name="description" />
        <div class="actions">
          <button type="submit">Create scope</button>
        </div>
      </form>
    </ConsolePage>
  );
}

// ---------------------------------------------------------------- registration tokens

export function RegistrationPage(p: ConsoleFrame & { mode: string; issued?: Json }) {
  return (
    <ConsolePage {...p}>
      <p class="muted">
        Dynamic client registration (RFC 7591) is <strong>{p.mode}</strong> (REGISTRATION). With <code>token</code>, a client registers with an initial access token issued here.
        Only a hash of each token is stored.
      </p>
      {p.issued && (
        <div class="notice" role="status">
          <p>
            The initial access token, shown this once ({str(p.issued.uses)} use(s), until {when(p.issued.expires_at)}):
          </p>
          <code class="secret" id="initial-access-token">
            {str(p.issued.initial_access_token)}
          </code>
        </div>
      )}
      <form method="post" action={`${BASE}/registration`}>
        <Csrf csrf={p.csrf} />
        <div class="row">
          <div>
            <label for="uses">Uses</label>
            <input type="number" id="uses" name="uses" min="1" max="1000" value="1" />
          </div>
          <div>
            <label for="ttl">Valid for (s)</label>
            <input type="number" id="ttl" name="ttl" min="1" max="7776000" value="86400" />
          </div>
        </div>
        <div class="actions">
          <button type="submit">Issue a token</button>
        </div>
      </form>
    </ConsolePage>
  );
}

// ---------------------------------------------------------------- logout deliveries

export function LogoutDeliveriesPage(p: ConsoleFrame & { deliveries: Json[]; status: string }) {
  return (
    <ConsolePage {...p}>
      <form method="get" action={`${BASE}/logout-deliveries`} class="inline">
        <label for="status">Status</label>
        <select id="status" name="status">
          {['', 'pending', 'delivered', 'failed'].map((s) => (
            <option value={s} selected={s === p.status}>
              {s || 'any'}
            </option>
          ))}
        </select>
        <button type="submit">Filter</button>
      </form>
      {p.deliveries.length === 0 ? (
        <p class="muted">No back-channel logout deliveries{p.status ? ` with status ${p.status}` : ''}. They appear when a user logs out of a client with a back-channel logout URI.</p>
      ) : (
        <table class="data">
          <thead>
            <tr>
              <th>Created</th>
              <th>Client</th>
              <th>Status</th>
              <th>Attempts</th>
              <th>Last answer</th>
              <th>Next attempt</th>
            </tr>
          </thead>
          <tbody>
            {p.deliveries.map((d) => (
              <tr>
                <td>{when(d.created_at)}</td>
                <td>
                  <code>{str(d.client_id)}</code>
                </td>
                <td>{str(d.status)}</td>
                <td>{str(d.attempts)}</td>
                <td>{str(d.last_http_status) || str(d.last_error)}</td>
                <td>{when(d.next_attempt_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </ConsolePage>
  );
}

// ---------------------------------------------------------------- upstream providers

export function UpstreamsPage(p: ConsoleFrame & { upstreams: Json[]; values?: Json; created?: Json }) {
  const v = p.values ?? {};
  return (
    <ConsolePage {...p}>
      <p class="muted">
        Other OpenID providers users may sign in through (this OP as an SSO broker). Register each one's redirect URI at that provider. Client secrets are stored sealed and never
        shown again.
      </p>
      {p.created && (
        <div class="notice" role="status">
          <p>Register this redirect URI at the upstream provider:</p>
          <code id="upstream-redirect-uri">{str(p.created.redirect_uri)}</code>
          {p.created.backchannel_logout_uri !== undefined && (
            <p>
              and, if it supports back-channel logout, this logout URI: <code>{str(p.created.backchannel_logout_uri)}</code>
            </p>
          )}
        </div>
      )}
      {p.upstreams.length === 0 ? (
        <p class="muted">No upstream providers yet. Add one below (or `npm run admin -- upstreams create`).</p>
      ) : (
        <table class="data" id="upstreams">
          <thead>
            <tr>
              <th>Name</th>
              <th>Slug</th>
              <th>Issuer</th>
              <th>Redirect URI to register</th>
              <th>Options</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {p.upstreams.map((u) => (
              <tr>
                <td>{str(u.name)}</td>
                <td>
                  <code>{str(u.slug)}</code>
                </td>
                <td>{str(u.issuer)}</td>
                <td>
                  <code>{str(u.redirect_uri)}</code>
                </td>
                <td>
                  {[((u.scopes as string[] | undefined) ?? []).join(' '), u.link_by_email === true ? 'link by email' : '', u.end_session === true ? 'end session upstream' : '']
                    .filter(Boolean)
                    .join(' · ')}
                </td>
                <td>
                  <ActionButton action={`${BASE}/upstreams/${encodeURIComponent(str(u.slug))}/delete`} csrf={p.csrf} label="Delete" danger confirm="Its account links go too" />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>Add an upstream provider</h2>
      <form method="post" action={`${BASE}/upstreams`}>
        <Csrf csrf={p.csrf} />
        <div class="row">
          <div>
            <label for="name">Name (on the sign-in button)</label>
            <input type="text" id="name" name="name" required maxlength={100} value={str(v.name)} />
          </div>
          <div>
            <label for="slug">Slug (in the redirect URI; cannot change)</label>
            <input type="text" id="slug" name="slug" required pattern="[a-z0-9][a-z0-9-]{0,31}" value={str(v.slug)} />
          </div>
        </div>
        <label for="issuer">Issuer (its https URL; discovery is read from it)</label>
        <input type="url" id="issuer" name="issuer" required value={str(v.issuer)} />
        <div class="row">
          <div>
            <label for="client_id">Client ID (registered there)</label>
            <input type="text" id="client_id" name="client_id" required value={str(v.client_id)} />
          </div>
          <div>
            <label for="client_secret">Client secret</label>
            <input type="password" id="client_secret" name="client_secret" required autocomplete="off" />
          </div>
        </div>
        <label for="scopes">Scopes (space-separated; openid is always added)</label>
        <input type="text" id="scopes" name="scopes" value={str(v.scopes) || 'openid profile email'} />
        <label class="check">
          <input type="checkbox" name="link_by_email" checked={v.link_by_email === true} /> Link by email (offer an existing local user with the same verified email to link, after their password)
        </label>
        <label class="check">
          <input type="checkbox" name="end_session" checked={v.end_session === true} /> End the upstream session too when the user logs out here
        </label>
        <div class="actions">
          <button type="submit">Add upstream provider</button>
        </div>
      </form>
    </ConsolePage>
  );
}

// ---------------------------------------------------------------- APIs (resource servers)

export function ApisPage(p: ConsoleFrame & { apis: Json[]; values?: Json; created?: Json }) {
  const v = p.values ?? {};
  return (
    <ConsolePage {...p}>
      <p class="muted">
        APIs are the resource servers clients ask tokens for (RFC 8707 <code>resource</code>). Each has an introspection credential (client_secret_basic at /introspect); only
        a hash of its secret is stored.
      </p>
      {p.created && (
        <div class="notice" role="status">
          <p>The API's introspection credential, its secret shown this once (store it now; it cannot be read again):</p>
          <p>
            client_id: <code id="api-client-id">{str(p.created.client_id)}</code>
          </p>
          <code class="secret" id="api-client-secret">
            {str(p.created.client_secret)}
          </code>
        </div>
      )}
      {p.apis.length === 0 ? (
        <p class="muted">No APIs yet. Add one below (or `npm run admin -- apis create`).</p>
      ) : (
        <table class="data" id="apis">
          <thead>
            <tr>
              <th>Name</th>
              <th>Identifier</th>
              <th>Scopes</th>
              <th>Introspection client_id</th>
              <th>Token lifetime</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {p.apis.map((a) => (
              <tr>
                <td>{str(a.name)}</td>
                <td>
                  <code>{str(a.identifier)}</code>
                </td>
                <td>{((a.scopes as string[] | undefined) ?? []).join(' ')}</td>
                <td>
                  <code>{str(a.client_id)}</code>
                </td>
                <td>{a.access_token_ttl === undefined ? "the client's" : `${str(a.access_token_ttl)} s`}</td>
                <td>
                  <ActionButton action={`${BASE}/apis/${encodeURIComponent(str(a.client_id))}/delete`} csrf={p.csrf} label="Delete" danger confirm="Its credential goes too" />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>Add an API</h2>
      <form method="post" action={`${BASE}/apis`}>
        <Csrf csrf={p.csrf} />
        <label for="identifier">Identifier (an absolute URI, e.g. https://orders.example.com/)</label>
        <input type="url" id="identifier" name="identifier" required value={str(v.identifier)} />
        <label for="name">Name</label>
        <input type="text" id="name" name="name" required maxlength={200} value={str(v.name)} />
        <label for="scopes">Scopes (space-separated; e.g. orders:read orders:write)</label>
        <input type="text" id="scopes" name="scopes" value={str(v.scopes)} />
        <label for="access_token_ttl">Access token lifetime (s; empty: the client's)</label>
        <input type="number" id="access_token_ttl" name="access_token_ttl" min="1" value={str(v.access_token_ttl)} />
        <div class="actions">
          <button type="submit">Add API</button>
        </div>
      </form>
    </ConsolePage>
  );
}
