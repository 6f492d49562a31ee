/**
 * The import rules of docs/architecture.md, checked by `npm run check:imports` (the first step of
 * `npm test`). Layers, from the top: entry (src/index.ts, src/app.ts) → routes/ → protocol rules
 * (authorize/, authn/, claims/, grants/, logout/, registration/, session/, jobs/, clients/) →
 * tokens/, keys/ → storage/; views/ apart (only routes render them); durable/ holds the Durable
 * Objects, adapters that run pure rules and may import them. Base modules (errors.ts, env.ts,
 * settings.ts, config.ts, messages.ts, crypto/, http/) sit under everything.
 *
 * Each rule's comment is printed with its violations, so say there what to do instead.
 * @type {import('dependency-cruiser').IConfiguration}
 */
const ENTRY = '^src/(index|app)\\.ts$';

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment:
        'Import cycles are forbidden (type-only imports count too): move the shared part down a layer. ' +
        'env.ts must not name a Durable Object class that imports env.ts; type its stub where it is used (keys/manager.ts).',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'protocol-not-to-routes',
      severity: 'error',
      comment:
        'Only the entry (app.ts, index.ts) and routes/ import routes/. Protocol rules, tokens, keys, storage, jobs and ' +
        'Durable Objects never do: move what they need (a helper, a constant) out of routes/ into the lower layer.',
      from: { path: '^src/', pathNot: [ENTRY, '^src/routes/'] },
      to: { path: '^src/routes/' },
    },
    {
      name: 'protocol-not-to-views',
      severity: 'error',
      comment:
        'Views are rendered by routes only. Protocol rules, tokens, keys, storage and Durable Objects return data or ' +
        'errors; the route picks and renders the page. (Translations live in src/messages.ts, not in views/.)',
      from: { path: '^src/', pathNot: ['^src/routes/', '^src/views/'] },
      to: { path: '^src/views/' },
    },
    {
      name: 'storage-is-the-bottom',
      severity: 'error',
      comment:
        'storage/ imports no protocol rules, tokens, routes, views or Durable Objects: only other storage modules, ' +
        'base modules (errors, env, settings, crypto/), the key record types (keys/types.ts) and the client model ' +
        '(clients/model.ts: the Client record and its pure defaults, no imports of its own). A rule that needs a ' +
        'record goes above storage and calls it; a record shape storage must not know is a type parameter.',
      from: { path: '^src/storage/' },
      to: {
        path: '^src/',
        pathNot: ['^src/storage/', '^src/crypto/', '^src/(errors|env|settings|algorithms|isolate_cache)\\.ts$', '^src/keys/types\\.ts$', '^src/clients/model\\.ts$'],
      },
    },
    {
      name: 'views-no-storage',
      severity: 'error',
      comment:
        'Views render what the route hands them; they never read storage or Durable Objects, nor call routes. ' +
        'Give the view a plain view-model instead.',
      from: { path: '^src/views/' },
      to: { path: '^src/(storage|durable|routes)/' },
    },
    {
      name: 'keys-not-to-routes',
      severity: 'error',
      comment: 'keys/ (key generation, sealing, the key set) never imports routes/ or views/: routes call keys, not the other way.',
      from: { path: '^src/keys/' },
      to: { path: '^src/(routes|views)/' },
    },
    {
      name: 'durable-objects-are-adapters',
      severity: 'error',
      comment:
        'A Durable Object is an adapter: it may run pure rules (grants/code_record, logout/retry_policy, keys/rotation_policy) ' +
        'and use storage, but it imports no routes/ or views/ and no other Durable Object.',
      from: { path: '^src/durable/([^/]+)\\.ts$' },
      to: { path: ['^src/(routes|views)/', '^src/durable/'], pathNot: '^src/durable/$1\\.ts$' },
    },
  ],
  options: {
    // TypeScript 7 has no compiler API yet, so dependency-cruiser parses with swc; type-only imports are still seen.
    parser: 'swc',
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    includeOnly: '^src/',
    exclude: { path: '\\.d\\.ts$' },
  },
};
