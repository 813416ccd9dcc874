/**
 * Polls GET `url` until it answers 200 (a stage's /healthz or /readyz); rejects after
 * `timeoutMs`, or at once when `dead()` says why the server will never answer (it exited).
 */
export async function waitForOk(
  url: string,
  timeoutMs = 20_000,
  dead: () => string | undefined = () => undefined,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  for (;;) {
    const why = dead();
    if (why !== undefined) throw new Error(why);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await res.body?.cancel();
      if (res.status === 200) return;
      last = `status ${res.status}`;
    } catch (err) {
      last = String((err as { cause?: unknown }).cause ?? err);
    }
    if (Date.now() > deadline) throw new Error(`${url} not 200 after ${timeoutMs} ms (${last})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
