// Waiting for the clock, not for a fixed time: the OP stamps iat/auth_time in whole seconds.

export const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Polls (with a deadline) until the clock is past `second`, so the OP's next timestamp is greater. */
export async function clockPasses(second: number, deadlineMs = 15_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (nowSeconds() <= second) {
    if (Date.now() > deadline) throw new Error(`the clock did not pass ${second} within ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
