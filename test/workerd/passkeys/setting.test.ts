import { describe, expect, it } from 'vitest';
import { acrValuesSupported } from '../../../src/authorize/check_claims';
import type { Bindings } from '../../../src/env';
import { SettingError, settings } from '../../../src/settings';
import { env } from '../helpers';

const withVar = (value: string | undefined) => ({ ...env, PASSKEYS: value }) as Bindings;

describe('PASSKEYS setting', () => {
  it('is on by default, off with "off", and refuses anything else', () => {
    expect(settings(withVar(undefined)).passkeys).toBe(true);
    expect(settings(withVar('on')).passkeys).toBe(true);
    expect(settings(withVar('OFF')).passkeys).toBe(false);
    expect(() => settings(withVar('maybe'))).toThrow(SettingError);
  });

  it('takes phr out of the acr values offered when off', () => {
    expect(acrValuesSupported(true)).toEqual(['1', 'phr']);
    expect(acrValuesSupported(false)).toEqual(['1']);
  });
});
