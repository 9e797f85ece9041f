// Whether a name (an option, a variable, a key of an option list) says its value is a secret: by class,
// the name says pass/key/secret/token/credential/auth, unless it only says where a secret is kept or what
// kind it is. Shared by every redactor of core/redact. Pure.

export const REDACTED = '<redacted>';

/** A name that says its value is a secret (its pieces are the redactor's guards too: redact.ts). */
export const SECRET_NAME = /pass|pwd|secret|token|credential|auth|key/i;
/**
 * Names that say where a secret is kept or what kind it is, not the secret: `keyring`, `*-file`,
 * `keyid`, QEMU's `password-secret=ID`, `auth_supported=cephx`, `--key-type`, `--auth-user`, mount.ceph's
 * `secretfile=PATH`, iscsiadm's `node.session.auth.authmethod` (CHAP or None).
 */
const LOCATION_NAME =
  /(?:^|[-_.])(?:file|path|dir|keyring|ring|id|type|size|bits|len|length|format|mode|method|server|host|port|url|uri|user|username|name|supported|required|version|timeout|agent)$|^(?:password|passwd|key|iv)-secret$|(?:keyring|keyfile|passfile|secretfile|keyid|keydir|authfile|keytab|authorized_keys|authmethod)$/i;

/**
 * The key names a secret's value (not where it is kept, not the non-secret `data` of other objects).
 * A key named here whole, outside SECRET_NAME, is one the redactor's guards name too (redact.ts
 * MAYBE_SECRET_KEY and MAYBE_SECRET_JSON_KEY): a word without it is not read for keys.
 */
export function secretKey(key: string, word: string): boolean {
  const k = key.toLowerCase();
  if (k === 'data') return /^secret,/.test(word) || /"qom-type"\s*:\s*"secret"/.test(word);
  if (k === 'iv') return true;
  return SECRET_NAME.test(k) && !LOCATION_NAME.test(k);
}
