import type { Context } from 'hono';
import type { AppEnv } from '../env';
import { OAuthError } from '../errors';
import { formParams, type Params } from '../http/params';
import { ErrorPage } from '../views/error';
import { renderPage } from '../views/render';

/**
 * The POSTed form of a page (interaction, account, logout), or the 400 error page saying why it
 * could not be read (wrong content type, duplicated parameter, too large): never a 5xx.
 */
export async function readFormOr400(c: Context<AppEnv>, title = 'Invalid request'): Promise<Params | Response> {
  try {
    return await formParams(c.req.raw);
  } catch (err) {
    return renderPage(c, <ErrorPage title={title} detail={err instanceof OAuthError ? err.description : 'The form could not be read.'} />, 400);
  }
}
