import { app } from './app';
import type { Bindings } from './env';
import { keySet } from './keys/keystore';

export { AuthorizationCodeStore } from './durable/authorization_code_store';
export { LoginThrottle } from './durable/login_throttle';

export default {
  fetch: app.fetch,
  /** Cron trigger (wrangler.toml [triggers]): makes sure a signing key exists before the first request needs one. */
  async scheduled(_controller: ScheduledController, env: Bindings, ctx: ExecutionContext): Promise<void> {
    ctx.waitUntil(keySet(env).then(() => undefined));
  },
} satisfies ExportedHandler<Bindings>;
