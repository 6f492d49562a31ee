import { subjectFor } from '../tokens/subject';
import { withResponseParams } from '../authorize/respond';
import { now } from '../config';
import type { DeliveryJob, LogoutDelivery } from '../durable/logout_delivery';
import type { Bindings } from '../env';
import { settings } from '../settings';
import { keyPolicy } from '../keys/policy_config';
import { ClientRepository, type Client } from '../storage/clients';
import { GrantRepository } from '../storage/grants';
import { SessionClientRepository } from '../storage/session_clients';
import { SessionRepository, type Session } from '../storage/sessions';

export interface FrontChannelFrame {
  clientName: string;
  url: string;
}

export interface EndedSession {
  /** Front-Channel Logout 1.0 §2: the iframes the logged-out page must render. */
  frames: FrontChannelFrame[];
  /** Back-channel deliveries queued. */
  backChannel: number;
}

const retryBase = (env: Bindings): number => settings(env).backchannelRetryBase;

/** Front-Channel Logout 1.0 §2: the client's frontchannel_logout_uri with `iss` and `sid` appended. */
export const frontChannelUrl = (client: Client, issuer: string, sid: string): string =>
  withResponseParams(client.frontchannelLogoutUri!, { iss: issuer, sid });

/**
 * Ends an OP session, revokes the grants issued in it (except offline_access ones), and tells
 * every client it signed in to: back-channel deliveries are handed to
 * one LogoutDelivery Durable Object each (queued, never awaited), front-channel URLs are returned
 * for the page to render. Both carry `iss` and `sid`, as `*_logout_session_supported` promises.
 */
/** `db`: where the batch runs (the logout page's D1 session, for its bookmark); env.DB otherwise. */
export async function endSession(env: Bindings, session: Session, issuer: string, db: D1Database = env.DB): Promise<EndedSession> {
  // One batch (a transaction, run in order): the clients to notify are read, then the session, its
  // session_clients rows and its grants go. Nothing half-done, one round trip, no read-back.
  const sessionClients = new SessionClientRepository(db);
  const [listed] = await db.batch([
    sessionClients.clientsOfStatement(session.sid),
    new SessionRepository(db).deleteBySidStatement(session.sid),
    sessionClients.forgetStatement(session.sid),
    new GrantRepository(db).revokeForSessionLogoutStatement(session.sid, now()),
  ]);
  const clientIds = SessionClientRepository.clientIdsOf(listed!);
  const repo = new ClientRepository(env.DB);
  const clients = (await Promise.all(clientIds.map((id) => repo.findCached(id)))).filter((c): c is Client => c !== null);
  const frames = clients.filter((c) => c.frontchannelLogoutUri).map((c) => ({ clientName: c.name, url: frontChannelUrl(c, issuer, session.sid) }));
  const policy = keyPolicy(env);
  const backChannel = clients.filter((c) => c.backchannelLogoutUri);
  await Promise.all(
    backChannel.map(async (c) => {
      const deliveries = logoutDeliveries(env);
      const id = deliveries.newUniqueId();
      const job: DeliveryJob = {
        id: id.toString(),
        issuer,
        clientId: c.id,
        uri: c.backchannelLogoutUri!,
        // OIDC Core §8: the sub this client knows (pairwise clients see their own).
        sub: await subjectFor(env, c, session.userId),
        sid: session.sid,
        alg: c.idTokenAlg ?? policy.defaultAlg,
        createdAt: now(),
        retryBase: retryBase(env),
        attempts: 0,
      };
      return deliveries.get(id).start(job);
    }),
  );
  return { frames, backChannel: backChannel.length };
}

/** The logout delivery Durable Objects, typed (env.ts cannot name the class: see Bindings). */
export const logoutDeliveries = (env: Pick<Bindings, 'LOGOUT_DELIVERY'>) => env.LOGOUT_DELIVERY as DurableObjectNamespace<LogoutDelivery>;
