// Reads /etc/pve-health/config.toml. Every key of it can silence or redirect a check (ignore lists,
// thresholds, timeouts, notification targets, the listen address), so the file is trusted like one that
// runs a command: owned by root and writable by no one else, or it is refused (UNKNOWN, exit 3) — never
// applied. A file holding secrets, or naming a program run as root or a place that receives secrets
// (TRUSTED_KEYS), must in addition be readable by root only (mode 0600).
import { readFileSync, statSync } from 'node:fs';
import { shellQuote } from '../core/text/shell-quote';
import { type Config, parseConfig, SECRET_KEYS, trustedKeySet } from '../core/vocab/config';
import { CheckError } from '../core/vocab/errors';
import { type Host, hostPath } from './host';

export const DEFAULT_CONFIG_PATH = '/etc/pve-health/config.toml';

/**
 * Load the config. `explicit` is a --config path (used as given, not under --root); without it the
 * default path under the host root is read and may be absent (then the defaults apply).
 */
export function readConfig(host: Host, explicit?: string): Config {
  const file = explicit ?? hostPath(host, DEFAULT_CONFIG_PATH);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !explicit) return {};
    throw new CheckError(`cannot read config ${file}: ${code ?? (e as Error).message}`);
  }
  const config = parseConfig(text, file);
  const secret = hasSecrets(config) ? 'holds secrets' : trustedKeySet(config);
  const sets = Object.keys(config).length > 0;
  if (secret) checkFileTrust(file, secret.startsWith('holds') ? secret : `sets ${secret}`, 0o077);
  else if (sets) checkFileTrust(file, 'decides what is checked and where results go', 0o022);
  return config;
}

function hasSecrets(value: unknown): boolean {
  if (!value || typeof value !== 'object') return false;
  return Object.entries(value as Record<string, unknown>).some(
    ([k, v]) => (SECRET_KEYS.includes(k) && typeof v === 'string' && v !== '') || hasSecrets(v),
  );
}

/** `forbidden`: the mode bits no one but the owner may have (0o077: no access; 0o022: no writes). */
function checkFileTrust(file: string, why: string, forbidden: number): void {
  const st = statSync(file);
  const mode = st.mode & 0o777;
  // Tests run as root too; a non-root owner is only tolerated when we are not root (developer runs).
  const ownerOk =
    st.uid === 0 || (typeof process.getuid === 'function' && process.getuid() !== 0 && st.uid === process.getuid());
  if ((mode & forbidden) !== 0 || !ownerOk) {
    const want = forbidden === 0o077 ? '600' : 'go-w';
    throw new CheckError(
      `${file} ${why} but is mode ${mode.toString(8).padStart(4, '0')} owned by uid ${st.uid}` +
        `${forbidden === 0o022 ? ': another user could silence or redirect the checks, so it is not applied' : ''}; ` +
        `run: ${shellQuote(['chown', 'root:root', file])} && ${shellQuote(['chmod', want, file])}`,
    );
  }
}
