// Secrets never leave the node in a capture: guest cloud-init passwords and keys, storage passwords
// and tokens. Pure: a snapshot in, a redacted copy out.
import type { HostSnapshot } from '../vocab/snapshot';
import { NAMED_VALUE, namedValue, namesSecret } from './named-value';
import { type Program, programOf, userArg } from './program-rules';
import { REDACTED, SECRET_NAME, secretKey } from './secret-names';

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

/**
 * What a key must hold for redactKeyValues to redact its value: a piece of SECRET_NAME, the whole key
 * `data` or `iv` (secretKey), or `user` (CIFS_USER). Keys are ASCII (KEY's `[\w.-]`), so a word none of
 * whose keys can hold one has none of these in it: most words of a kvm line (`socket,id=qmp,path=…`).
 */
const MAYBE_SECRET_KEY = new RegExp(`${SECRET_NAME.source}|user|(?:data|iv)[=:]`, 'i');
/** The same for the keys of a JSON object (JSON_KEY): `"data"` and `"iv"` whole, quotes included. */
const MAYBE_SECRET_JSON_KEY = new RegExp(`${SECRET_NAME.source}|"(?:data|iv)"`, 'i');

/** Each `key=value` (or `key:value`) whose key names a secret, its value as far as its list says. */
function redactKeyValues(s: string, word: string): string {
  // A key ends at `=` or `:`: a word with neither (`-id`, `102`, most of a kvm line) has none to look for.
  if (!s.includes('=') && !s.includes(':')) return s;
  if (!MAYBE_SECRET_KEY.test(s)) return s;
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
  let out = a;
  // Both URL forms end their userinfo at an `@`: a word without one (most of a kvm line) has neither.
  if (a.includes('@')) {
    out = out.replace(
      URL_USERINFO,
      (_m, scheme: string, user: string, sep: string) => `${scheme}${user}${sep}${REDACTED}@`,
    );
    out = out.replace(URL_TOKEN_USER, (m, scheme: string, user: string) =>
      user === REDACTED || !/^[\w.~-]{16,}$/.test(user) ? m : `${scheme}${REDACTED}@`,
    );
  }
  out = redactKeyValues(out, a);
  // A kvm line's `-blockdev` objects have dozens of keys and none a secret's: only a key that may be one is looked at.
  if (out.includes('"') && MAYBE_SECRET_JSON_KEY.test(out))
    out = out.replace(JSON_KEY, (m, head: string, key: string) => (secretKey(key, a) ? `${head}${REDACTED}"` : m));
  return out;
}

/** openssl's short options that take the password or key itself (`-k pw`, `-K hexkey`). */
const OPENSSL_SECRET = /^-(?:k|K)$/;

/** `--password X`, `-pass X`, `--key X`: an option whose name says its value, the next word, is a secret. */
function secretOption(prev: string): boolean {
  const m = /^--?([a-z][\w-]*)$/i.exec(prev);
  return m !== null && m[1].length > 1 && secretKey(m[1], '');
}

/** One word of a command line, given the word before it. */
function redactArg(prog: Program, prev: string | null, a: string): string {
  if (prev !== null) {
    if (secretOption(prev)) return REDACTED;
    if (prev === '-p' && !prog.pIsPort) return REDACTED;
    if (prog.name === 'openssl' && OPENSSL_SECRET.test(prev)) return REDACTED;
    const user = userArg(prog.userRules, prev, a);
    if (user !== null) return user;
  }
  // Attached forms: `-uuser:pw`, `-Uuser%pw`, `--user=user:pw`.
  // `s`: a line break inside the argument is part of the password, not the end of the match.
  const attached = /^(-[uU]|--user|--proxy-user)(=?)(.+)$/s.exec(a);
  if (attached && (attached[2] === '=' || !attached[1].startsWith('--'))) {
    const user = userArg(prog.userRules, attached[1], attached[3]);
    if (user !== null) return `${attached[1]}${attached[2]}${user}`;
  }
  if (/^-p[^-\s].*/.test(a) && !prog.pAttachedKept) return `-p${REDACTED}`;
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
  const name = (args[0] ?? '').split('/').pop() ?? '';
  const prog = programOf(name);
  const named = NAMED_VALUE.find((t) => t.prog.test(name));
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
