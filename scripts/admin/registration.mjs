// `registration …`: initial access tokens for dynamic client registration (RFC 7591).
import { CliError } from '../lib/op.mjs';
import { seconds } from './args.mjs';
import { fmtTime } from './output.mjs';

export const registrationCommands = {
  'registration token': {
    summary: 'issue an initial access token for the registration endpoint (REGISTRATION=token)',
    flags: {
      uses: { type: 'string', value: 'N', desc: 'how many registrations it allows (default 1)' },
      ttl: { type: 'string', value: 'SECONDS', desc: 'lifetime (default 86400)' },
    },
    async run({ api, flags }) {
      const body = {};
      if (flags.uses !== undefined) {
        const n = Number(flags.uses);
        if (!Number.isInteger(n) || n < 1) throw new CliError('--uses must be a whole number, 1 or more', 2);
        body.uses = n;
      }
      const ttl = seconds('ttl', flags.ttl);
      if (ttl !== undefined) body.ttl = ttl;
      const res = await api.request('POST', '/admin/registration/tokens', body);
      // An interface for deployment pipelines: exactly these two members with --json.
      return { initial_access_token: res.initial_access_token, expires_at: res.expires_at };
    },
    print(res) {
      console.log(`initial_access_token: ${res.initial_access_token}`);
      console.log(`expires_at:           ${fmtTime(res.expires_at)}`);
      console.log('');
      console.log('Send it as "Authorization: Bearer <token>" to the registration endpoint. It is shown only once.');
    },
  },
};
