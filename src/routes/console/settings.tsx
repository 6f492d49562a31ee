import { Hono } from 'hono';
import { SETTINGS, settings } from '../../settings';
import { SettingsPage } from '../../views/console';
import { renderPage } from '../../views/render';
import { frame, type ConsoleEnv } from './types';

/** Console: the settings as this Worker parsed them, read-only; secrets only as set or unset. */
export const consoleSettings = new Hono<ConsoleEnv>();

const SECRETS = new Set(['ADMIN_TOKEN', 'PASSWORD_PEPPER', 'KEY_ENCRYPTION_KEY_PREVIOUS']);

const shown = (v: unknown): string => (v === null || v === undefined ? '(default / unset)' : typeof v === 'string' ? v : JSON.stringify(v));

consoleSettings.get('/', (c) => {
  const parsed = settings(c.env) as unknown as Record<string, unknown>;
  const raw = c.env as unknown as Record<string, unknown>;
  const isSet = (name: string) => (typeof raw[name] === 'string' && (raw[name] as string).trim() !== '' ? 'set' : 'unset');
  const rows = [
    { variable: 'KEY_ENCRYPTION_KEY', doc: 'Seals signing keys and derives the OP’s MAC keys (required)', value: isSet('KEY_ENCRYPTION_KEY') },
    ...Object.entries(SETTINGS).map(([key, spec]) => ({
      variable: spec.variable,
      doc: spec.doc,
      value: SECRETS.has(spec.variable) ? isSet(spec.variable) : shown(parsed[key]),
    })),
  ];
  return renderPage(c, <SettingsPage {...frame(c, 'Settings', 'settings')} rows={rows} />);
});
