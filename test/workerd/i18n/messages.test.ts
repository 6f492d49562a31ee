import { describe, expect, it } from 'vitest';
import { missingMessages, pickLocale, translator } from '../../../src/messages';

describe('message catalogue', () => {
  it('picks the first supported ui_locales tag, by language when the region is unknown', () => {
    expect(pickLocale('de fr-CA en')).toBe('fr');
    expect(pickLocale('EN-gb')).toBe('en');
    expect(pickLocale('se')).toBe('en');
    expect(pickLocale(undefined)).toBe('en');
  });

  it('fills placeholders, and French covers every English message', () => {
    expect(translator('en')('login.lead', { client: 'App' })).toBe('to continue to App');
    expect(translator('fr')('consent.title', { client: 'App' })).toBe('Autoriser App ?');
    expect(missingMessages('fr')).toEqual([]);
    expect(missingMessages('en')).toEqual([]);
  });
});

describe('the upstream account-link page (issue 11)', () => {
  it('speaks the sign-in language: French when the request asked for it, English by default', async () => {
    const renderToString = async (el: unknown) => String(await (el as { toString(): string | Promise<string> }).toString());
    const { UpstreamLinkPage } = await import('../../../src/views/upstream_link');
    const props = { upstreamName: 'Corp SSO', account: 'alice', action: '/a', cancelAction: '/c', csrf: 'x' };
    const fr = translator('fr');
    const html = await renderToString(UpstreamLinkPage({ ...props, t: fr, lang: 'fr', error: fr('link.wrongPassword') }));
    expect(html).toContain('Relier votre compte');
    expect(html).toContain('Mot de passe de alice');
    expect(html).toContain('avec Corp SSO');
    expect(html).toContain("Ce mot de passe n&#39;est pas le bon.");
    expect(html).not.toContain('Link and continue');
    expect(await renderToString(UpstreamLinkPage(props))).toContain('Link and continue');
  });
});
