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
  return text
    .replace(/^([a-z][a-z_-]*\d*):([ \t]*)([^\r\n]*)/gm, (line, key: string, sp: string, value: string) =>
      GUEST_SECRET_KEYS.test(key)
        ? `${key}:${sp}${REDACTED}`
        : key === 'args'
          ? `${key}:${sp}${redactQemuArgs(value)}`
          : line,
    )
    .replace(
      /^(lxc\.environment(?:\.runtime)?[ \t]*[:=][ \t]*)([^\r\n]*)/gm,
      (_l, head: string) => `${head}${REDACTED}`,
    );
}

// args: -spice port=61000,password=s3cret -object secret,id=sec0,data=c2VjcmV0 -drive ...,password-secret=sec0
/** Secrets inside raw QEMU arguments (`args:`): the same redactor as for process command lines. */
export function redactQemuArgs(value: string): string {
  // Split at blanks, keeping them: the line comes back byte for byte apart from the secrets.
  const parts = value.split(/([ \t]+)/);
  const words = parts.filter((_, i) => i % 2 === 0);
  const red = redactCommandLine(['kvm', ...words]).slice(1);
  return parts.map((p, i) => (i % 2 === 0 ? red[i / 2] : p)).join('');
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

const SECRET_WORD = /(?:password|passwd|passphrase|token|secret|apikey|api-key)/i;

// Inside one argument: `password=x`, `,key=x` (Ceph: `rbd:pool/img:id=admin:key=AQB…`), `token:x`,
// `-object secret,id=s0,data=BASE64` (also as JSON, `"qom-type":"secret"`), and the userinfo of a URL
// (`https://u:pw@h`, QEMU's `iscsi://user%pw@host/…`, `iscsi://user:pw@host`). Keys that only name
// where a secret is (`password-secret=`, `key-secret=`, `keyid=`, `*-file=`) are kept.
const KEY_VALUE =
  /((?:^|[,:;?&\s])-{0,2}((?:[a-z]+[-_])*(?:password|passwd|passphrase|pass|pwd|secret|token|key|apikey|iv|data))[=:])([^,:;&\s]+)/gi;
const JSON_KEY =
  /("((?:[a-z]+[-_])*(?:password|passwd|passphrase|secret|token|key|data))"\s*:\s*")((?:[^"\\]|\\.)*)"/gi;
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^/@\s:%]+)([:%])([^/@\s]+)@/gi;

/** The key names a secret's value (not where it is kept, not the non-secret `data` of other objects). */
function secretKey(key: string, word: string): boolean {
  const k = key.toLowerCase();
  if (/(?:^|[-_])(?:secret|file|id)$/.test(k) && k !== 'secret') return false;
  if (k === 'data') return /^secret,/.test(word) || /"qom-type"\s*:\s*"secret"/.test(word);
  return true;
}

function redactWord(a: string): string {
  let out = a.replace(
    URL_USERINFO,
    (_m, scheme: string, user: string, sep: string) => `${scheme}${user}${sep}${REDACTED}@`,
  );
  out = out.replace(KEY_VALUE, (m, head: string, key: string, v: string) =>
    v !== REDACTED && secretKey(key, a) ? `${head}${REDACTED}` : m,
  );
  if (out.includes('"'))
    out = out.replace(JSON_KEY, (m, head: string, key: string) => (secretKey(key, a) ? `${head}${REDACTED}"` : m));
  return out;
}

/** Programs whose `-p` is a port, not a password. */
const P_IS_PORT = /^(?:ssh|scp|sftp|rsync|autossh|nc|ncat|socat|iperf3?|mosh|sshfs|rclone)$/;
/** Programs with single-dash long options (`-pidfile`, `-parallel`): `-pX` is no password there. */
const SINGLE_DASH_LONG = /^(?:kvm|qemu(?:-system-[\w-]+|-[\w-]+)?)$/;

/**
 * The one redactor for a command line, wherever one appears (process command lines in a capture, the
 * processes that hold a device in every document, a guest's `args:`): `password=x` and the others
 * above inside an argument, `--password x` as two arguments, `-p PW` / `-pPW` (mysql, sshpass, smbclient;
 * not where -p is a port or a long single-dash option).
 */
export function redactCommandLine(args: readonly string[]): string[] {
  const prog = (args[0] ?? '').split('/').pop() ?? '';
  return args.map((a, i) => {
    const prev = i > 0 ? args[i - 1] : '';
    if (i > 0 && /^--?[a-z][\w-]*$/i.test(prev) && SECRET_WORD.test(prev) && !/-(?:file|secret|id)$/i.test(prev))
      return REDACTED;
    if (i > 0 && prev === '-p' && !P_IS_PORT.test(prog)) return REDACTED;
    if (/^-p[^-\s].*/.test(a) && !P_IS_PORT.test(prog) && !SINGLE_DASH_LONG.test(prog)) return `-p${REDACTED}`;
    return redactWord(a);
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
    cmdline: redactCommandLine(p.cmdline),
  }));
  // The mounts part keeps its own copies of storage.cfg, the container configs and the mount tables.
  let extra = snap.extra;
  const m = snap.extra?.mounts as
    | {
        storageCfg?: string | null;
        ctConfigs?: Record<string, string>;
        hostMountinfo?: string;
        containers?: { mountinfo: string | null }[];
      }
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
