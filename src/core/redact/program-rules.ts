// What the command-line redactor (redact.ts) asks of a line's program, once for the line: whether its
// `-p` is a port, whether `-pX` is a long single-dash option, and how its user argument carries a
// password. Pure.
import { REDACTED } from './secret-names';

/** Programs whose `-p` is a port (iscsiadm's: the portal, `-p 10.0.0.1:3260`), not a password. */
const P_IS_PORT = /^(?:ssh|scp|sftp|rsync|autossh|nc|ncat|socat|iperf3?|mosh|sshfs|rclone|iscsiadm)$/;
/** Programs with single-dash long options (`-pidfile`, `-parallel`): `-pX` is no password there. */
const SINGLE_DASH_LONG = /^(?:kvm|qemu(?:-system-[\w-]+|-[\w-]+)?)$/;
/**
 * Tools whose user argument carries the password after a separator: curl `-u user:pw` (and
 * `--proxy-user`, `-U`), Samba's `-U user%pw` (smbclient, rpcclient, smbcacls, smbget, net), lftp
 * `-u user,pw`.
 */
interface UserArgRule {
  prog: RegExp;
  opts: RegExp;
  sep: string;
}
const USER_ARG: UserArgRule[] = [
  { prog: /^curl$/, opts: /^(?:-u|-U|--user|--proxy-user)$/, sep: ':' },
  {
    prog: /^(?:smbclient|rpcclient|smbcacls|smbcquotas|smbget|smbtree|net|smbspool|wbinfo)$/,
    opts: /^(?:-U|--user)$/,
    sep: '%',
  },
  { prog: /^lftp$/, opts: /^-u$/, sep: ',' },
];

/**
 * What the rules ask of a command line's program, asked once for the line: a node's kvm lines have some
 * 80 words each, and thousands of them are read (every process that holds a map).
 */
export interface Program {
  name: string;
  /** USER_ARG's rules for this program. */
  userRules: UserArgRule[];
  /** Its `-p` takes a port (P_IS_PORT), not a password. */
  pIsPort: boolean;
  /** Its `-pX` is no password: a port, or a long single-dash option (SINGLE_DASH_LONG). */
  pAttachedKept: boolean;
}

export function programOf(name: string): Program {
  const pIsPort = P_IS_PORT.test(name);
  return {
    name,
    userRules: USER_ARG.filter((u) => u.prog.test(name)),
    pIsPort,
    pAttachedKept: pIsPort || SINGLE_DASH_LONG.test(name),
  };
}

export function userArg(rules: readonly UserArgRule[], opt: string, value: string): string | null {
  // Indexed: every argument after an option passes here, and a for-of would make an iterator for each.
  for (let i = 0; i < rules.length; i++) {
    const u = rules[i];
    if (!u.opts.test(opt)) continue;
    const at = value.indexOf(u.sep);
    return at < 0 ? value : `${value.slice(0, at + 1)}${REDACTED}`;
  }
  return null;
}
