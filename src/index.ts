import { app } from './app';
import type { Bindings } from './env';
import { runScheduled } from './jobs/scheduled';

export { AuthorizationCodeStore } from './durable/authorization_code_store';
export { KeyManager } from './durable/key_manager';
export { LoginThrottle } from './durable/login_throttle';
export { LogoutDelivery } from './durable/logout_delivery';

export default {
  fetch: app.fetch,
  async scheduled(_controller: ScheduledController, env: Bindings, ctx: ExecutionContext): Promise<void> {
    ctx.waitUntil(runScheduled(env));
  },
} satisfies ExportedHandler<Bindings>;
