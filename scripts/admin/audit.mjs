// `audit …`: the audit trail (admin changes and security events), newest first.
import { CliError } from '../lib/op.mjs';
import { fmtTime, printTable } from './output.mjs';

export const auditCommands = {
  'audit list': {
    summary: 'the audit trail: admin changes and security events, newest first',
    flags: {
      type: { type: 'string', value: 'T', desc: 'only events of this type (e.g. client.created, signin.failed)' },
      actor: { type: 'string', value: 'ACTOR', desc: 'only this actor (admin-token, admin:USER_ID, client:ID, system, anonymous)' },
      subject: { type: 'string', value: 'ID', desc: 'only events about this subject (client id, user id, kid…)' },
      since: { type: 'string', value: 'ISO', desc: 'only events at or after this time (ISO 8601)' },
      until: { type: 'string', value: 'ISO', desc: 'only events at or before this time (ISO 8601)' },
      limit: { type: 'string', value: 'N', desc: 'at most N events (1 to 1000, default 100)' },
      cursor: { type: 'string', value: 'CURSOR', desc: 'the next page (printed after a full page)' },
    },
    run({ api, flags }) {
      const q = new URLSearchParams();
      for (const name of ['since', 'until']) {
        if (flags[name] !== undefined && Number.isNaN(Date.parse(flags[name]))) throw new CliError(`--${name} must be an ISO 8601 date-time`, 2);
      }
      if (flags.limit !== undefined && !/^\d+$/.test(flags.limit)) throw new CliError('--limit must be a whole number', 2);
      for (const name of ['type', 'actor', 'subject', 'since', 'until', 'limit', 'cursor']) if (flags[name] !== undefined) q.set(name, flags[name]);
      return api.request('GET', `/admin/audit${q.size ? `?${q}` : ''}`);
    },
    print(res) {
      const rows = res?.events ?? [];
      if (!rows.length) return console.log('no events');
      printTable(rows, [
        ['TIME', (e) => fmtTime(e.at)],
        ['TYPE', (e) => e.type],
        ['OUTCOME', (e) => e.outcome],
        ['ACTOR', (e) => e.actor],
        ['SUBJECT', (e) => e.subject ?? ''],
        ['IP', (e) => e.ip ?? ''],
        ['DETAILS', (e) => (Object.keys(e.details ?? {}).length ? JSON.stringify(e.details) : '')],
      ]);
      if (res.next_cursor) console.log(`\nmore: --cursor ${res.next_cursor}`);
    },
  },
};
