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
