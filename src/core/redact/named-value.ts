// Tools that set a setting by a name option and a value option, where the name says whether the value
// is a secret (open-iscsi's iscsiadm). Pure.
import { REDACTED, secretKey } from './secret-names';

/**
 * Tools that set a setting by name and value in two options: open-iscsi's `iscsiadm -m node -o update
 * -n node.session.auth.password -v PW` (also `--name=`, `--value=PW`; CHAP's `password_in`, discovery's
 * `discovery.sendtargets.auth.password`). The value is a secret when the name says so (secretKey:
 * `node.session.auth.username` and `authmethod`'s value stay).
 */
export const NAMED_VALUE: { prog: RegExp; name: string[]; value: string[] }[] = [
  { prog: /^iscsiadm$/, name: ['-n', '--name'], value: ['-v', '--value'] },
];

/** Whether a name option of the command line names a secret (`-n X`, `--name X`, `--name=X`). */
export function namesSecret(args: readonly string[], opts: string[]): boolean {
  return args.some((a, i) => {
    const eq = a.indexOf('=');
    const name = opts.includes(args[i - 1]) ? a : eq > 0 && opts.includes(a.slice(0, eq)) ? a.slice(eq + 1) : null;
    return name !== null && secretKey(name.split('.').pop() ?? '', '');
  });
}

/** The value option's argument redacted (`-v PW`, `--value PW`, `--value=PW`, `-vPW`), or null for another word. */
export function namedValue(prev: string, a: string, opts: string[]): string | null {
  if (opts.includes(prev)) return REDACTED;
  for (const o of opts) {
    if (o.startsWith('--') && a.startsWith(`${o}=`)) return `${o}=${REDACTED}`;
    if (!o.startsWith('--') && a.startsWith(o) && a.length > o.length) return `${o}${REDACTED}`;
  }
  return null;
}
