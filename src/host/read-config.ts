// Reads /etc/pve-health/config.toml. A file holding secrets, or naming a program run as root or a
// place that receives secrets (TRUSTED_KEYS), must be mode 0600 and owned by root: anything looser is
// refused, so a password never sits in a world-readable file and no other user can redirect one.
import { readFileSync, statSync } from 'node:fs';
import { type Config, parseConfig, SECRET_KEYS, trustedKeySet } from '../core/config';
import { CheckError } from '../core/errors';
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
  const trusted = hasSecrets(config) ? 'holds secrets' : trustedKeySet(config);
  if (trusted) checkSecretFileMode(file, trusted.startsWith('holds') ? trusted : `sets ${trusted}`);
  return config;
}

function hasSecrets(value: unknown): boolean {
  if (!value || typeof value !== 'object') return false;
  return Object.entries(value as Record<string, unknown>).some(
    ([k, v]) => (SECRET_KEYS.includes(k) && typeof v === 'string' && v !== '') || hasSecrets(v),
  );
}

function checkSecretFileMode(file: string, why: string): void {
  const st = statSync(file);
  const mode = st.mode & 0o777;
  // Tests run as root too; a non-root owner is only tolerated when we are not root (developer runs).
  const ownerOk =
    st.uid === 0 || (typeof process.getuid === 'function' && process.getuid() !== 0 && st.uid === process.getuid());
  if ((mode & 0o077) !== 0 || !ownerOk) {
    throw new CheckError(
      `${file} ${why} but is mode ${mode.toString(8).padStart(4, '0')} owned by uid ${st.uid}; ` +
        `run: chown root:root ${file} && chmod 600 ${file}`,
    );
  }
}
