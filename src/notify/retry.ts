// Retries with exponential backoff. A PermanentError (bad credentials, a rejected request) is not
// retried: sending it again cannot succeed and would only delay the report.

export class PermanentError extends Error {
  override name = 'PermanentError';
}

export class TransientError extends Error {
  override name = 'TransientError';
}

export interface RetryResult {
  ok: boolean;
  attempts: number;
  error?: Error;
}

export async function withRetry(
  fn: (attempt: number) => Promise<void>,
  opts: { retries: number; delayMs: number; sleep?: (ms: number) => Promise<void> },
): Promise<RetryResult> {
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let last: Error | undefined;
  for (let attempt = 1; attempt <= opts.retries + 1; attempt++) {
    try {
      await fn(attempt);
      return { ok: true, attempts: attempt };
    } catch (e) {
      last = e instanceof Error ? e : new Error(String(e));
      if (last instanceof PermanentError || attempt > opts.retries)
        return { ok: false, attempts: attempt, error: last };
      await sleep(opts.delayMs * 2 ** (attempt - 1));
    }
  }
  return { ok: false, attempts: opts.retries + 1, error: last };
}

/** HTTP: 408, 425, 429 and 5xx may pass on a later try; other 4xx will not. */
export function httpError(channel: string, status: number, body: string): Error {
  const msg = `${channel}: HTTP ${status}${body ? `: ${body.slice(0, 300).replace(/\s+/g, ' ')}` : ''}`;
  return status >= 500 || status === 408 || status === 425 || status === 429
    ? new TransientError(msg)
    : new PermanentError(msg);
}

/** Replace every secret (and every webhook URL) in a message with "***". */
export function redact(text: string, secrets: string[]): string {
  let out = text;
  for (const s of secrets.filter((x) => x && x.length >= 3).sort((a, b) => b.length - a.length)) {
    out = out.split(s).join('***');
    // Basic auth and URL-encoded forms of the same secret.
    const enc = encodeURIComponent(s);
    if (enc !== s) out = out.split(enc).join('***');
  }
  return out;
}

/** "https://discord.com/api/webhooks/123/abc" → "https://discord.com/…": paths of webhook URLs are secrets. */
export function redactUrl(url: string): string {
  try {
    return `${new URL(url).origin}/…`;
  } catch {
    return '(invalid URL)';
  }
}
