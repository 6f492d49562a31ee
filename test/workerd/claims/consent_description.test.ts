// Issue 9: the consent page describes an operator-defined scope in the operator's words.
import { describe, expect, it } from 'vitest';
import { ADMIN, createClient, createUser, fetchOp } from '../helpers';
import { LocalBrowser, authorizeQuery, isConsentPage, openInteraction, runFlow } from '../authorize/local-helpers';

describe('consent page and operator-defined scopes', () => {
  it('shows the scope\'s description (escaped), not its name', async () => {
    const tag = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
    const scope = `reports-${tag}`;
    const claim = `https://example.com/claims/team-${tag}`;
    expect((await fetchOp('/admin/claims', { method: 'POST', headers: ADMIN, body: JSON.stringify({ name: claim, attribute: 'team' }) })).status).toBe(201);
    const res = await fetchOp('/admin/scopes', { method: 'POST', headers: ADMIN, body: JSON.stringify({ name: scope, description: 'Read your <team> reports', claims: [claim] }) });
    expect(res.status).toBe(201);
    const user = await createUser();
    const client = await createClient({ scope: `openid ${scope}` });
    const browser = new LocalBrowser();
    // Signed in through a first-party client, so the next page is the consent page itself.
    await runFlow(browser, authorizeQuery(await createClient({ first_party: true })), user);
    const { html } = await openInteraction(browser, authorizeQuery(client, { scope: `openid ${scope}` }));
    expect(isConsentPage(html)).toBe(true);
    expect(html).toContain('<li>Read your &lt;team&gt; reports</li>');
    expect(html).not.toContain(`<li>${scope}</li>`);
  });
});
