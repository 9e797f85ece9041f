// Who may read the service. On loopback (the default 127.0.0.1:9310) no token is needed (but any local
// user can read it: holders' command lines included — set a token, or listen on a Unix socket,
// `unix:/run/pve-health/serve.sock`, which only root can open); any other
// listen address needs `Authorization: Bearer <token>` (config `serve.token` in a 0600 file, or
// PVE_HEALTH_TOKEN). Without a token the Host header must name a loopback address, so a web page
// cannot read the API through DNS rebinding.
import { isIP } from 'node:net';
import { UsageError } from '../core/vocab/errors';
import { builtinRequire } from '../host/builtin-require';

export const DEFAULT_LISTEN = '127.0.0.1:9310';

export interface ListenAddress {
  host: string;
  port: number;
  /** A Unix socket (`unix:/run/pve-health/serve.sock`): only root (mode 0600) can connect. */
  path?: string;
}

/** "127.0.0.1:9310", "[::1]:9310", "0.0.0.0:9310", ":9310" (all addresses), "9310" (loopback). */
export function parseListen(text: string): ListenAddress {
  const t = text.trim();
  if (t.startsWith('unix:')) {
    const path = t.slice(5);
    if (!path.startsWith('/')) throw new UsageError(`--listen: a Unix socket needs an absolute path (got '${text}')`);
    return { host: 'unix', port: 0, path };
  }
  let host: string;
  let port: string;
  const v6 = /^\[([^\]]+)\]:(\d+)$/.exec(t);
  if (v6) [, host, port] = v6;
  else if (/^\d+$/.test(t)) [host, port] = ['127.0.0.1', t];
  else {
    const i = t.lastIndexOf(':');
    if (i < 0) throw new UsageError(`--listen: expected HOST:PORT (got '${text}')`);
    host = t.slice(0, i) || '0.0.0.0';
    port = t.slice(i + 1);
    if (host.includes(':')) throw new UsageError(`--listen: write IPv6 addresses as [ADDR]:PORT (got '${text}')`);
  }
  const n = Number(port);
  if (!/^\d+$/.test(port) || n < 0 || n > 65535) throw new UsageError(`--listen: bad port '${port}'`);
  if (host !== 'localhost' && isIP(host) === 0) {
    throw new UsageError(`--listen: '${host}' is not an IP address (use 127.0.0.1, 0.0.0.0, [::] or a local address)`);
  }
  return { host, port: n };
}

export function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h) || h === '::ffff:127.0.0.1';
}

/** The token in force: the environment wins over the config file (a unit can pass it from a credential). */
export function resolveToken(configToken: string | undefined, env: NodeJS.ProcessEnv): string | null {
  const t = env.PVE_HEALTH_TOKEN?.trim() || configToken?.trim() || '';
  return t === '' ? null : t;
}

export interface AuthPolicy {
  token: string | null;
  /** Served on a mode-0600 Unix socket: the file's permissions already limit readers to root. */
  socket?: boolean;
}

/**
 * Refuse to start on a non-loopback address without a token, and refuse short tokens: the API
 * lists every guest and storage of the node.
 */
export function checkListenPolicy(addr: ListenAddress, token: string | null): void {
  if (addr.path || isLoopback(addr.host)) return;
  if (!token) {
    throw new UsageError(
      `listening on ${addr.host} needs a token: set serve.token in the config (mode 0600) or PVE_HEALTH_TOKEN, ` +
        'or listen on 127.0.0.1',
    );
  }
  if (token.length < 16) throw new UsageError('the serve token must be at least 16 characters');
}

export type AuthOutcome = { ok: true } | { ok: false; status: 401 | 421; message: string };

/** Decide one request. `hostHeader` is the Host header; `authorization` the Authorization header. */
export function authorize(
  policy: AuthPolicy,
  authorization: string | undefined,
  hostHeader: string | undefined,
): AuthOutcome {
  if (policy.token) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (m && sameSecret(m[1], policy.token)) return { ok: true };
    return { ok: false, status: 401, message: 'missing or wrong bearer token' };
  }
  if (policy.socket) return { ok: true };
  if (!hostHeader || !isLoopback(hostOf(hostHeader))) {
    return { ok: false, status: 421, message: 'without a token only loopback host names are served' };
  }
  return { ok: true };
}

/** "127.0.0.1:9310" → "127.0.0.1", "[::1]:9310" → "::1", "localhost" → "localhost". */
export function hostOf(hostHeader: string): string {
  const v6 = /^\[([^\]]+)\]/.exec(hostHeader);
  if (v6) return v6[1];
  return hostHeader.replace(/:\d+$/, '');
}

// Constant time over equal-length digests, so the comparison leaks neither content nor length.
function sameSecret(given: string, expected: string): boolean {
  const { createHash, timingSafeEqual } = cryptoModule();
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

// node:crypto is loaded at the first token to check, not when the service starts: its JavaScript layer
// and what it pages in of OpenSSL are ~1.7 MiB of the service's RSS on Node 24 (~0.9 MiB on Node 20),
// and the unit's default listener (loopback or a Unix socket) never checks a token.
let crypto: typeof import('node:crypto') | undefined;
function cryptoModule(): typeof import('node:crypto') {
  crypto ??= builtinRequire('node:crypto') as typeof import('node:crypto');
  return crypto;
}
