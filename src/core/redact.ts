// Secrets never leave the node in a capture: guest cloud-init passwords and keys, storage passwords
// and tokens. Pure: a snapshot in, a redacted copy out.
import type { HostSnapshot } from './snapshot';

export const REDACTED = '<redacted>';

const GUEST_SECRET_KEYS = /^(cipassword|sshkeys)$/;
const STORAGE_SECRET_KEYS = /^(password|encryption-key|master-pubkey|keyring|.*token.*|.*secret.*)$/i;

// cipassword: $5$abc$def
// Patterns stay within one line ([ \t], [^\r\n]): a bare `\s` would run into the next line, so a key
// with an empty value could swallow a secret line after it, and a replacement could eat a line break.
export function redactGuestConfig(text: string): string {
  return text.replace(/^([a-z][a-z_-]*\d*):([ \t]*)([^\r\n]*)/gm, (line, key: string, sp: string) =>
    GUEST_SECRET_KEYS.test(key) ? `${key}:${sp}${REDACTED}` : line,
  );
}

//         password s3cr3t
export function redactStorageConfig(text: string): string {
  return text.replace(
    /^([ \t]+)(\S+)([ \t]+)([^\r\n]*\S)([ \t]*)$/gm,
    (line, ind: string, key: string, sp: string, _v: string, end: string) =>
      STORAGE_SECRET_KEYS.test(key) ? `${ind}${key}${sp}${REDACTED}${end}` : line,
  );
}

const SECRET_WORD = /(?:password|passwd|token|secret)/i;

/** `password=x` inside an argument, and `--password x` as two arguments. */
function redactArgs(args: string[]): string[] {
  return args.map((a, i) => {
    if (i > 0 && /^--?[a-z][\w-]*$/i.test(args[i - 1]) && SECRET_WORD.test(args[i - 1])) return REDACTED;
    return a.replace(/((?:password|passwd|token|secret)[=:])[^\s,]+/gi, `$1${REDACTED}`);
  });
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
    cmdline: redactArgs(p.cmdline),
  }));
  return { ...snap, files, processes, redacted: true };
}
