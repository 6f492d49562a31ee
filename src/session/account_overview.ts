import { withResponseParams } from '../authorize/respond';
import type { Bindings } from '../env';
import { ClientRepository, type Client } from '../storage/clients';
import { ConsentRepository } from '../storage/consents';
import { SessionClientRepository } from '../storage/session_clients';
import { SessionRepository, type Session } from '../storage/sessions';
import type { User } from '../storage/users';

export interface AppEntry {
  clientId: string;
  name: string;
  /** OIDC Core §4: where "Open" goes, when the client registered an initiate_login_uri. */
  launchUrl?: string;
}

export interface SessionEntry {
  session: Session;
  clients: string[];
  current: boolean;
}

export interface AccessEntry {
  clientId: string;
  name: string;
  scopes: string[];
}

export interface AccountOverview {
  apps: AppEntry[];
  sessions: SessionEntry[];
  access: AccessEntry[];
}

/**
 * OIDC Core §4 (Initiating Login from a Third Party): the OP sends the browser to the client's
 * initiate_login_uri with `iss` (REQUIRED) and a `login_hint` naming the user. No target_link_uri:
 * the OP does not know which page of the application the user wants.
 */
export const launchUrl = (client: Client, issuer: string, user: User): string | undefined =>
  client.initiateLoginUri ? withResponseParams(client.initiateLoginUri, { iss: issuer, login_hint: user.email ?? user.username }) : undefined;

/** Everything the account page shows: the user's apps, live sessions and the clients with access. */
export async function accountOverview(env: Bindings, user: User, current: Session, issuer: string, at: number): Promise<AccountOverview> {
  const clients = new ClientRepository(env.DB);
  const sessionClients = new SessionClientRepository(env.DB);
  const [consents, usedIds, sessions] = await Promise.all([
    new ConsentRepository(env.DB).listForUser(user.id),
    sessionClients.clientsOfUser(user.id, at),
    new SessionRepository(env.DB).listForUser(user.id, at),
  ]);
  const ids = [...new Set([...consents.map((c) => c.clientId), ...usedIds])];
  const byId = new Map((await Promise.all(ids.map((id) => clients.find(id)))).filter((c): c is Client => c !== null).map((c) => [c.id, c]));
  const nameOf = (id: string) => byId.get(id)?.name ?? id;
  return {
    apps: [...byId.values()].sort((a, b) => a.name.localeCompare(b.name)).map((c) => ({ clientId: c.id, name: c.name, launchUrl: launchUrl(c, issuer, user) })),
    sessions: await Promise.all(
      sessions.map(async (s) => ({ session: s, clients: (await sessionClients.clientsOf(s.sid)).map(nameOf), current: s.sid === current.sid })),
    ),
    access: consents.filter((c) => byId.has(c.clientId)).map((c) => ({ clientId: c.clientId, name: nameOf(c.clientId), scopes: c.scopes })),
  };
}
