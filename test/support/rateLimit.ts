// Throttling windows in tests. On PostgreSQL (RATE_LIMIT_SCOPE=shared) windows are fixed and aligned to the
// database's clock, so a caller's count starts again whenever one ends, also between two requests of a test.

/**
 * Waits, if need be, until the current window has at least `seconds` left, so that the requests that follow all
 * fall in one window. Asks as an anonymous caller (counted apart, by address) on $metadata, so that no API
 * route's count or metric moves; x-ratelimit-reset is the seconds left, rounded up.
 */
export async function windowWithTimeLeft(url: string, seconds: number): Promise<void> {
  const probe = await fetch(`${url}/beta/$metadata`);
  await probe.arrayBuffer();
  const left = Number(probe.headers.get('x-ratelimit-reset'));
  if (!Number.isInteger(left) || left < 0) throw new Error(`x-ratelimit-reset: ${probe.headers.get('x-ratelimit-reset')}`);
  if (left < seconds) await new Promise((r) => setTimeout(r, left * 1000 + 200));
}
