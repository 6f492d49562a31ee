// `logout-deliveries …`: the back-channel logout outbox.
import { fmtTime, printTable } from './output.mjs';

export const logoutCommands = {
  'logout-deliveries list': {
    summary: 'back-channel logout deliveries and their outcome, newest first',
    flags: {
      status: { type: 'string', choices: ['pending', 'delivered', 'failed'], value: 'STATUS', desc: 'only this status' },
      client: { type: 'string', value: 'CLIENT_ID', desc: 'only this client' },
    },
    run({ api, flags }) {
      const q = new URLSearchParams();
      if (flags.status) q.set('status', flags.status);
      if (flags.client) q.set('client_id', flags.client);
      return api.request('GET', `/admin/logout-deliveries${q.size ? `?${q}` : ''}`);
    },
    print(res) {
      const rows = res?.deliveries ?? [];
      if (!rows.length) return console.log('no deliveries');
      printTable(rows, [
        ['CREATED', (d) => fmtTime(d.created_at)],
        ['CLIENT_ID', (d) => d.client_id],
        ['STATUS', (d) => d.status],
        ['ATTEMPTS', (d) => d.attempts],
        ['LAST', (d) => d.last_http_status ?? d.last_error ?? ''],
        ['URI', (d) => d.uri],
      ]);
    },
  },
};
