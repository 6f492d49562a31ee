import type { Bindings } from '../env';

/** The throttle Durable Object of one source, e.g. `login:<ip>` (src/durable/login_throttle.ts). */
export const throttleFor = (env: Bindings, name: string) => env.THROTTLE.get(env.THROTTLE.idFromName(name));
