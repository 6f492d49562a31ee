// `claims …`: operator-defined claims read from user attributes.
import { printTable } from './output.mjs';

/** CLAIM or CLAIM=V1,V2 (a role decision). Claim names are often URLs: values follow the last '='. */
export function claimSpec(spec) {
  const eq = spec.lastIndexOf('=');
  return eq > 0 ? { name: spec.slice(0, eq), values: spec.slice(eq + 1).split(',').filter(Boolean) } : { name: spec };
}
export const describeClaim = (c) => (c.values ? `${c.name} (only ${c.values.join(', ')})` : c.name);

export const claimCommands = {
  'claims create': {
    summary: 'define a claim read from a user attribute (name: a URL such as https://example.com/claims/roles)',
    flags: {
      name: { type: 'string', required: true, value: 'NAME', desc: 'claim name; standard claim names are refused' },
      attribute: { type: 'string', required: true, value: 'KEY', desc: 'the user attribute it is read from' },
      description: { type: 'string', value: 'TEXT', desc: 'what it holds' },
    },
    run({ api, flags }) {
      return api.request('POST', '/admin/claims', { name: flags.name, attribute: flags.attribute, ...(flags.description ? { description: flags.description } : {}) });
    },
    print: (c) => console.log(`claim ${c.name} <- attribute ${c.attribute}`),
  },
  'claims list': {
    summary: 'list the operator-defined claims',
    flags: {},
    run: ({ api }) => api.request('GET', '/admin/claims'),
    print(res) {
      if (!res.claims.length) return console.log('no custom claims');
      printTable(res.claims, [
        ['NAME', (c) => c.name],
        ['ATTRIBUTE', (c) => c.attribute],
        ['DESCRIPTION', (c) => c.description ?? ''],
      ]);
    },
  },
  'claims delete': {
    summary: 'delete a claim (not while a scope releases it)',
    args: ['NAME'],
    flags: {},
    async run({ api, args }) {
      await api.request('DELETE', `/admin/claims?name=${encodeURIComponent(args[0])}`);
      return { deleted: args[0] };
    },
    print: (res) => console.log(`deleted claim ${res.deleted}`),
  },
};
