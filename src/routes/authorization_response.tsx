import type { Context } from 'hono';
import { jarmEncode } from '../authorize/jarm';
import { redirect } from '../authorize/respond';
import { now } from '../config';
import { RESPONSE_MODES, encodeInRedirect, formFields, type AuthorizationResponse } from '../authorize/response_mode';
import type { AppEnv } from '../env';
import { FORM_POST_SCRIPT, FormPostPage } from '../views/form_post';

let scriptHash: Promise<string> | undefined;
/** CSP Level 3 hash-source of the form_post page's one inline script. */
const formPostScriptHash = () =>
  (scriptHash ??= crypto.subtle.digest('SHA-256', new TextEncoder().encode(FORM_POST_SCRIPT)).then((d) => `'sha256-${btoa(String.fromCharCode(...new Uint8Array(d)))}'`));

/**
 * A form-action source for exactly this redirect URI: scheme, host and path (CSP matches no query).
 * Characters that would end a CSP source (`;`, `,`, spaces) are percent-encoded.
 */
function formActionSource(redirectUri: string): string {
  const url = new URL(redirectUri);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return url.protocol;
  return `${url.origin}${url.pathname}`.replace(/[;,\s']/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

/**
 * Sends an authorization response (success or error) to the client in its response mode: a
 * redirect for query and fragment, or the auto-submitting form_post page, never cached (Form Post
 * Response Mode §2), whose CSP allows exactly that form's target and its one script. JARM modes
 * (`query.jwt`, `fragment.jwt`, `form_post.jwt`) send the same way, with the one `response` JWT.
 */
export async function sendAuthorizationResponse(c: Context<AppEnv>, plain: AuthorizationResponse, status: 302 | 303 = 302): Promise<Response> {
  // JARM §2.3: a *.jwt mode carries the parameters as one signed `response` JWT.
  const response = await jarmEncode(c.env, c.var.issuer, plain, now());
  if (RESPONSE_MODES[response.mode].transport === 'redirect') return redirect(c, encodeInRedirect(response.redirectUri, response.mode, response.params), status);
  c.set('cspAdditions', [`script-src ${await formPostScriptHash()}`, `form-action ${formActionSource(response.redirectUri)}`]);
  c.header('Cache-Control', 'no-store');
  c.header('Pragma', 'no-cache');
  return c.html(`<!DOCTYPE html>${(<FormPostPage action={response.redirectUri} fields={formFields(response.params)} />).toString()}`, 200);
}
