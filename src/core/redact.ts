// Secrets never leave the node in a capture: guest cloud-init passwords and keys, storage passwords
// and tokens. Pure: a snapshot in, a redacted copy out.
import type { HostSnapshot } from './snapshot';

export const REDACTED = '<redacted>';

const GUEST_SECRET_KEYS = /^(cipassword|sshkeys)$/;
const STORAGE_SECRET_KEYS = /^(password|encryption-key|master-pubkey|keyring|.*token.*|.*secret.*)$/i;

// cipassword: $5$abc$def
export function redactGuestConfig(text: string): string {
  return text.replace(/^([a-z][a-z_-]*\d*):(\s*)(.*)$/gm, (line, key: string, sp: string) =>
    GUEST_SECRET_KEYS.test(key) ? `${key}:${sp}${REDACTED}` : line,
  );
}

//         password s3cr3t
export function redactStorageConfig(text: string): string {
  return text.replace(/^(\s+)(\S+)(\s+)(.*\S)\s*$/gm, (line, ind: string, key: string, sp: string) =>
    STORAGE_SECRET_KEYS.test(key) ? `${ind}${key}${sp}${REDACTED}` : line,
  );
}

export function redactSnapshot(snap: HostSnapshot): HostSnapshot {
  const files: Record<string, string> = {};
  for (const [path, text] of Object.entries(snap.files)) {
    if (path.startsWith('/etc/pve/priv/')) continue;
    if (/\/(qemu-server|lxc)\/\d+\.conf$/.test(path)) files[path] = redactGuestConfig(text);
    else if (path === '/etc/pve/storage.cfg') files[path] = redactStorageConfig(text);
    else files[path] = text;
  }
  // Command lines of processes can carry secrets too (e.g. a password passed to a tool).
  const processes = snap.processes.map((p) => ({
    ...p,
    cmdline: p.cmdline.map((a) => a.replace(/((?:password|passwd|token|secret)[=:])\S+/gi, `$1${REDACTED}`)),
  }));
  return { ...snap, files, processes, redacted: true };
}
