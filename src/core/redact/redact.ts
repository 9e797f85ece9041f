// Secrets never leave the node in a capture: guest cloud-init passwords and keys, storage passwords
// and tokens. Pure: a snapshot in, a redacted copy out.
import type { HostSnapshot } from '../vocab/snapshot';
import { NAMED_VALUE, namedValue, namesSecret } from './named-value';
import { REDACTED, secretKey } from './secret-names';

export { REDACTED } from './secret-names';

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
  // `,,` is a literal comma inside a CIFS password (OPTION_LIST_VALUE).
  return text.replace(/((?:^|,)(?:password|pass|passwd|secret|token)=)(?:[^,\s]|,,)*/gim, `$1${REDACTED}`);
}

//         password s3cr3t
export function redactStorageConfig(text: string): string {
  return text.replace(
    // No `$`: whatever follows the value's last non-blank stays as it is. Anchored at the line end, a
    // trailing form feed or vertical tab (blanks to SectionConfig's `\s*$`) made the line no match and
    // kept the password.
    /^([ \t]+)(\S+)([ \t]+)([^\r\n]*\S)/gm,
    (_line, ind: string, key: string, sp: string, _v: string) =>
      STORAGE_SECRET_KEYS.test(key) ? `${ind}${key}${sp}${REDACTED}` : `${ind}${key}${sp}${redactWord(_v)}`,
  );
}

// Inside one argument: `password=x`, `,key=x` (Ceph: `rbd:pool/img:id=admin:key=AQB…`), `token:x`,
// `PGPASSWORD=x`, `GITHUB_TOKEN=x`, `-object secret,id=s0,data=BASE64` (also as JSON,
// `"qom-type":"secret"`), and the userinfo of a URL (`https://u:pw@h`, QEMU's `iscsi://user%pw@host/…`,
// a token as the user of `https://TOKEN@h`). Secrets are found by class — the name of the option or
// variable says pass/key/secret/token/credential/auth — not by a list of tools.
const KEY = /(?<=^|[,:;?&\s])-{0,2}([A-Za-z_][\w.-]*)[=:]/g;
/**
 * A value's extent depends on the list it stands in, told by the character before its key. In an option
 * list (after a comma, a blank or at the word's start: `-o username=u,password=a:b`, fstab, mountinfo,
 * storage.cfg's `options`) it runs to the next comma or blank, and `,,` is a literal comma: mount.cifs
 * writes a password's commas doubled (cifs-utils mount.cifs.c set_password) and the kernel's CIFS option
 * parser reads `,,` after `pass=` as one comma, so `password=P1,,P2` is one password. After a colon it is
 * one field of Ceph's `rbd:pool/img:id=admin:key=…` (fields end at `:`; `\:` is a colon inside one), after
 * `?`, `&` or `;` one parameter of a URL query.
 */
const OPTION_LIST_VALUE = /^(?:[^,\s]|,,)+/;
const CEPH_FIELD_VALUE = /^(?:\\.|[^,:;&\s\\])+/;
const QUERY_VALUE = /^[^&;\s]+/;
/**
 * mount.cifs's `user=` (and `username=`) take `DOMAIN\user%password`: everything after the first `%` is
 * the password (mount.cifs.c parse_username). The user and the domain stay.
 */
const CIFS_USER = /^(?:user|username)$/i;
const JSON_KEY = /("([\w.-]+)"\s*:\s*")((?:[^"\\]|\\.)*)"/g;
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^/@\s:%]+)([:%])([^/@\s]+)@/gi;
/** A URL with a user and no password where the user is the credential (`https://TOKEN@host`). */
const URL_TOKEN_USER = /\b((?:https?|ftps?|wss?):\/\/)([^/@\s:%]+)@/gi;

/** Each `key=value` (or `key:value`) whose key names a secret, its value as far as its list says. */
function redactKeyValues(s: string, word: string): string {
  // A key ends at `=` or `:`: a word with neither (`-id`, `102`, most of a kvm line) has none to look for.
  if (!s.includes('=') && !s.includes(':')) return s;
  let out = '';
  let done = 0;
  for (const m of s.matchAll(KEY)) {
    const from = (m.index as number) + m[0].length;
    if (from <= done) continue;
    const before = s[(m.index as number) - 1] ?? '';
    const list = before === ':' ? CEPH_FIELD_VALUE : /[?&;]/.test(before) ? QUERY_VALUE : OPTION_LIST_VALUE;
    const v = list.exec(s.slice(from))?.[0];
    if (v === undefined || v.startsWith('//')) continue;
    const pct = list === OPTION_LIST_VALUE && CIFS_USER.test(m[1]) ? v.indexOf('%') : -1;
    const keep = secretKey(m[1], word) ? 0 : pct >= 0 ? pct + 1 : -1;
    if (keep < 0) continue;
    out += `${s.slice(done, from)}${v.slice(0, keep)}${REDACTED}`;
    done = from + v.length;
  }
  return out + s.slice(done);
}

/** Secrets inside one argument or one line of text; everything else byte for byte. */
export function redactWord(a: string): string {
  let out = a.replace(
    URL_USERINFO,
    (_m, scheme: string, user: string, sep: string) => `${scheme}${user}${sep}${REDACTED}@`,
  );
  out = out.replace(URL_TOKEN_USER, (m, scheme: string, user: string) =>
    user === REDACTED || !/^[\w.~-]{16,}$/.test(user) ? m : `${scheme}${REDACTED}@`,
  );
  out = redactKeyValues(out, a);
  if (out.includes('"'))
    out = out.replace(JSON_KEY, (m, head: string, key: string) => (secretKey(key, a) ? `${head}${REDACTED}"` : m));
  return out;
}

/** Programs whose `-p` is a port (iscsiadm's: the portal, `-p 10.0.0.1:3260`), not a password. */
const P_IS_PORT = /^(?:ssh|scp|sftp|rsync|autossh|nc|ncat|socat|iperf3?|mosh|sshfs|rclone|iscsiadm)$/;
/** Programs with single-dash long options (`-pidfile`, `-parallel`): `-pX` is no password there. */
const SINGLE_DASH_LONG = /^(?:kvm|qemu(?:-system-[\w-]+|-[\w-]+)?)$/;
/**
 * Tools whose user argument carries the password after a separator: curl `-u user:pw` (and
 * `--proxy-user`, `-U`), Samba's `-U user%pw` (smbclient, rpcclient, smbcacls, smbget, net), lftp
 * `-u user,pw`.
 */
const USER_ARG: { prog: RegExp; opts: RegExp; sep: string }[] = [
  { prog: /^curl$/, opts: /^(?:-u|-U|--user|--proxy-user)$/, sep: ':' },
  {
    prog: /^(?:smbclient|rpcclient|smbcacls|smbcquotas|smbget|smbtree|net|smbspool|wbinfo)$/,
    opts: /^(?:-U|--user)$/,
    sep: '%',
  },
  { prog: /^lftp$/, opts: /^-u$/, sep: ',' },
];
/** openssl's short options that take the password or key itself (`-k pw`, `-K hexkey`). */
const OPENSSL_SECRET = /^-(?:k|K)$/;

function userArg(prog: string, opt: string, value: string): string | null {
  // Indexed: every argument after an option passes here, and a for-of would make an iterator for each.
  for (let i = 0; i < USER_ARG.length; i++) {
    const u = USER_ARG[i];
    if (!u.prog.test(prog) || !u.opts.test(opt)) continue;
    const at = value.indexOf(u.sep);
    return at < 0 ? value : `${value.slice(0, at + 1)}${REDACTED}`;
  }
  return null;
}

/** `--password X`, `-pass X`, `--key X`: an option whose name says its value, the next word, is a secret. */
function secretOption(prev: string): boolean {
  const m = /^--?([a-z][\w-]*)$/i.exec(prev);
  return m !== null && m[1].length > 1 && secretKey(m[1], '');
}

/** One word of a command line, given the word before it. */
function redactArg(prog: string, prev: string | null, a: string): string {
  if (prev !== null) {
    if (secretOption(prev)) return REDACTED;
    if (prev === '-p' && !P_IS_PORT.test(prog)) return REDACTED;
    if (prog === 'openssl' && OPENSSL_SECRET.test(prev)) return REDACTED;
    const user = userArg(prog, prev, a);
    if (user !== null) return user;
  }
  // Attached forms: `-uuser:pw`, `-Uuser%pw`, `--user=user:pw`.
  // `s`: a line break inside the argument is part of the password, not the end of the match.
  const attached = /^(-[uU]|--user|--proxy-user)(=?)(.+)$/s.exec(a);
  if (attached && (attached[2] === '=' || !attached[1].startsWith('--'))) {
    const user = userArg(prog, attached[1], attached[3]);
    if (user !== null) return `${attached[1]}${attached[2]}${user}`;
  }
  if (/^-p[^-\s].*/.test(a) && !P_IS_PORT.test(prog) && !SINGLE_DASH_LONG.test(prog)) return `-p${REDACTED}`;
  // An HTTP header as one argument (curl -H, wget --header): `Authorization: Bearer X`, `X-Auth-Token: X`.
  const header = /^([\w-]+)(:[ \t]*)(?:(Bearer|Basic|Digest|Token|Negotiate)([ \t]+))?(\S.*)$/is.exec(a);
  if (header && secretKey(header[1], ''))
    return `${header[1]}${header[2]}${header[3] ? `${header[3]}${header[4]}` : ''}${REDACTED}`;
  // A command inside one argument (`sh -c 'mysql -pX'`, `su -c …`, ssh's remote command): its own words,
  // also after leading blanks (`sh -c ' mysql -pX'`) or shell punctuation (`sh -c '(mysqldump -pX db) |
  // gzip'`: was kept, only a first word of name characters was read as a command). The whole argument
  // first: a JSON object with blanks (`{"qom-type": "secret", "data": "…"}`) is one secret across its words.
  if (/[ \t]/.test(a.trim())) return redactWords(redactWord(a));
  return redactWord(a);
}

/** A command line as one string, split at blanks and put back byte for byte apart from the secrets. */
function redactWords(value: string): string {
  const parts = value.split(/([ \t]+)/);
  const words = parts.filter((_, i) => i % 2 === 0);
  const red = redactCommandLine(words);
  return parts.map((p, i) => (i % 2 === 0 ? red[i / 2] : p)).join('');
}

/**
 * The one redactor for a command line, wherever one appears (process command lines in a capture, the
 * processes that hold a device in every document, a guest's `args:`): secrets inside an argument
 * (redactWord), an option whose name says secret and its value as the next argument, `-p PW` / `-pPW`
 * (mysql, sshpass; not where -p is a port or a long single-dash option), the password part of a
 * tool's user argument, and `NAME=VALUE` environment words (`env PGPASSWORD=x psql`).
 */
export function redactCommandLine(args: readonly string[]): string[] {
  const prog = (args[0] ?? '').split('/').pop() ?? '';
  const named = NAMED_VALUE.find((t) => t.prog.test(prog));
  const secretValue = named !== undefined && namesSecret(args, named.name);
  return args.map((a, i) => {
    if (i === 0) return redactWord(a);
    if (secretValue) {
      const value = namedValue(args[i - 1], a, named.value);
      if (value !== null) return value;
    }
    return redactArg(prog, args[i - 1], a);
  });
}

/**
 * Any text that is no command line and no file of a known shape (other captured files, mount options).
 * An option list's value runs to its comma (`username=u,password=a:b;c 0 0` in fstab): redactWord alone
 * stops at `:`/`;` (Ceph's `:key=` separators) and kept the rest of such a password.
 */
export function redactText(text: string): string {
  return redactMountinfo(text.replace(/[^\r\n]+/g, (line) => redactWord(line)));
}

export function redactSnapshot(snap: HostSnapshot): HostSnapshot {
  const files: Record<string, string> = {};
  for (const [path, text] of Object.entries(snap.files)) {
    if (path.startsWith('/etc/pve/priv/')) continue;
    if (/\/(qemu-server|lxc)\/\d+\.conf$/.test(path)) files[path] = redactGuestConfig(text);
    else if (path === '/etc/pve/storage.cfg') files[path] = redactStorageConfig(text);
    else files[path] = redactText(text);
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
  return { ...snap, files, processes, extra, redacted: true };
}
