// `scopes …`: operator-defined scopes and the claims they release.
import { claimSpec, describeClaim } from './claims.mjs';
import { printTable } from './output.mjs';

export const scopeCommands = {
  'scopes create': {
    summary: 'define a scope and the claims it releases; CLAIM=V1,V2 releases only those values (a role decision)',
    flags: {
      name: { type: 'string', required: true, value: 'SCOPE', desc: 'scope name' },
      claim: { type: 'string', repeat: true, required: true, value: 'CLAIM[=V1,V2]', desc: 'a claim it releases, optionally limited to these values (repeatable)' },
      description: { type: 'string', value: 'TEXT', desc: 'shown to users' },
    },
    run({ api, flags }) {
      const claims = flags.claim.map(claimSpec);
      return api.request('POST', '/admin/scopes', { name: flags.name, claims, ...(flags.description ? { description: flags.description } : {}) });
    },
    print: (s) => console.log(`scope ${s.name} releases ${s.claims.map(describeClaim).join(', ')}`),
  },
  'scopes list': {
    summary: 'list the operator-defined scopes',
    flags: {},
    run: ({ api }) => api.request('GET', '/admin/scopes'),
    print(res) {
      if (!res.scopes.length) return console.log('no custom scopes');
      printTable(res.scopes, [
        ['SCOPE', (s) => s.name],
        ['CLAIMS', (s) => s.claims.map((c) => (c.values ? `${c.name}=${c.values.join(',')}` : c.name)).join(' ')],
        ['DESCRIPTION', (s) => s.description ?? ''],
      ]);
    },
  },
  'scopes delete': {
    summary: 'delete a scope',
    args: ['SCOPE'],
    flags: {},
    async run({ api, args }) {
      await api.request('DELETE', `/admin/scopes/${encodeURIComponent(args[0])}`);
      return { deleted: args[0] };
    },
    print: (res) => console.log(`deleted scope ${res.deleted}`),
  },
};
