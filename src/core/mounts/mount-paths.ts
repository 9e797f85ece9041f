// Path rules the mounts check applies everywhere: a path without its trailing slash, "at or under" a
// directory, and the patterns of the [mounts] `ignore` and `expected_readonly` settings. Pure.

/** `/mnt/pve/nfs/` → `/mnt/pve/nfs` (storage.cfg and container configs may write either). */
export function trimSlash(p: string): string {
  return p.length > 1 ? p.replace(/\/+$/, '') : p;
}

/** Is `path` the directory `dir` itself or somewhere below it? */
export function isAtOrUnder(path: string, dir: string): boolean {
  return path === dir || path.startsWith(`${dir}/`);
}

/** Does a pattern from `ignore` match? "*" matches any run of characters; "CTID:" limits it to a container. */
export function matchesPattern(pattern: string, scope: 'host' | 'ct', ctid: number | null, target: string): boolean {
  const m = /^(\d+|\*):(\/.*)$/.exec(pattern);
  if (m && scope === 'host') return false;
  if (m && m[1] !== '*' && Number(m[1]) !== ctid) return false;
  const path = m ? m[2] : pattern;
  if (!m && scope === 'ct') return false;
  const re = new RegExp(`^${path.split('*').map(escapeRe).join('.*')}$`);
  return re.test(target);
}

function escapeRe(s: string): string {
  return s.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}
