import { app } from './app';
import { publishedFromMemory } from './routes/published';
import type { Bindings } from './env';
import { runScheduled } from './jobs/scheduled';
import { resilientBindings } from './storage/resilience';

export { AuthorizationCodeStore } from './durable/authorization_code_store';
export { KeyManager } from './durable/key_manager';
export { LoginThrottle } from './durable/login_throttle';
export { LogoutDelivery } from './durable/logout_delivery';

export default {
  // Discovery and JWKS from memory first (no storage, no middleware: src/routes/published.ts); every
  // storage call of any other request goes through the retry policy of src/storage/resilience.ts.
  fetch: (request: Request, env: Bindings, ctx: ExecutionContext) =>
    publishedFromMemory(request, env) ?? app.fetch(request, resilientBindings(env), ctx),
  async scheduled(_controller: ScheduledController, env: Bindings, ctx: ExecutionContext): Promise<void> {
    ctx.waitUntil(runScheduled(env));
  },
} satisfies ExportedHandler<Bindings>;
