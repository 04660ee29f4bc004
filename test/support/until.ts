/**
 * Polls until a condition holds, for tests against real processes and servers (real time, no
 * simulated clock); on timeout the error names what was awaited, plus any detail (a child's output).
 *
 * @example
 * ```ts
 * await until('the record in the stream', async () => (await streamState(nc, 'VA_TURNS'))?.messages === 1);
 * ```
 */
export async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  options: { timeoutMs?: number; detail?: () => string } = {},
): Promise<void> {
  // Why 20 s by default: a cold child process or nats-server on a loaded 2-core CI box takes seconds.
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${options.detail ? `\n${options.detail()}` : ''}`);
    // Why 20 ms: fine enough for the tests' own timing, coarse enough to leave the CPU to the system under test.
    await new Promise((r) => setTimeout(r, 20));
  }
}
