// Secrets never leave the node in a capture: guest cloud-init passwords and keys, storage passwords
// and tokens. Pure: a snapshot in, a redacted copy out.
import type { HostSnapshot } from './node/snapshot';

export const REDACTED = '<redacted>';

const GUEST_SECRET_KEYS = /^(cipassword|sshkeys)$/;
const STORAGE_SECRET_KEYS = /^(password|encryption-key|master-pubkey|keyring|.*token.*|.*secret.*)$/i;

// cipassword: $5$abc$def
// Patterns stay within one line ([ \t], [^\r\n]): a bare `\s` would run into the next line, so a key
// with an empty value could swallow a secret line after it, and a replacement could eat a line break.
export function redactGuestConfig(text: string): string {
  return text
    .replace(/^([a-z][a-z_-]*\d*):([ \t]*)([^\r\n]*)/gm, (line, key: string, sp: string, value: string) =>
      GUEST_SECRET_KEYS.test(key)
        ? `${key}:${sp}${REDACTED}`
        : key === 'args'
          ? `${key}:${sp}${redactQemuArgs(value)}`
          : line,
    )
    .replace(/^(lxc\.environment(?:\.runtime)?[ \t]*[:=][ \t]*)([^\r\n]*)/gm, (_l, head: string) => `${head}${REDACTED}`);
}

// args: -spice port=61000,password=s3cret -object secret,id=sec0,data=c2VjcmV0 -drive ...,password-secret=sec0
/** Secrets inside raw QEMU arguments: `password=`, `-object secret,...,data=`, keys, tokens. */
export function redactQemuArgs(value: string): string {
  return value
    .replace(/((?:^|[,\s])(?:password|passwd|secret|token|key|[a-z-]*-key|iv))=([^,\s]+)/gi, (m, head: string, v: string) =>
      /-secret$/i.test(head) ? m : `${head}=${REDACTED}`,
    )
    .replace(/(-object\s+secret,[^\s]*?\bdata=)([^,\s]+)/gi, `$1${REDACTED}`);
}

// 45 30 0:52 / /mnt/pve/share rw - cifs //srv/share rw,vers=3.1.1,username=u,password=x
function redactMountinfo(text: string): string {
  return text.replace(/((?:^|,)(?:password|pass|passwd|secret|token)=)[^,\s]*/gim, `$1${REDACTED}`);
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
  // The mounts part keeps its own copies of storage.cfg, the container configs and the mount tables.
  let extra = snap.extra;
  const m = snap.extra?.mounts as
    | { storageCfg?: string | null; ctConfigs?: Record<string, string>; hostMountinfo?: string; containers?: { mountinfo: string | null }[] }
    | undefined;
  if (m && typeof m === 'object') {
    extra = {
      ...snap.extra,
      mounts: {
        ...m,
        storageCfg: typeof m.storageCfg === 'string' ? redactStorageConfig(m.storageCfg) : m.storageCfg,
        ctConfigs: Object.fromEntries(Object.entries(m.ctConfigs ?? {}).map(([k, v]) => [k, redactGuestConfig(v)])),
        hostMountinfo: typeof m.hostMountinfo === 'string' ? redactMountinfo(m.hostMountinfo) : m.hostMountinfo,
        containers: (m.containers ?? []).map((c) => ({
          ...c,
          mountinfo: typeof c.mountinfo === 'string' ? redactMountinfo(c.mountinfo) : c.mountinfo,
        })),
      },
    };
  }
  for (const p of Object.keys(files)) if (/mountinfo$/.test(p)) files[p] = redactMountinfo(files[p]);
  return { ...snap, files, processes, extra, redacted: true };
}
