// lvm.conf as far as it decides whether the host's LVM scans guest disks (scan_lvs, global_filter,
// filter with lvm2's regex filter semantics), and the global_filter line that keeps them out.
import { buildDmName } from '../parse/dm-name';
import type { StorageContext } from './storage-context';

export interface LvmConfFilters {
  scanLvs: boolean;
  globalFilter: string[] | null;
  filter: string[] | null;
}

/** Read a string array setting (`key = [ "a|x|", "r|y|" ]`, possibly over several lines). */
function arraySetting(text: string, key: string): string[] | null {
  const re = new RegExp(`^\\s*${key}\\s*=\\s*\\[`, 'm');
  const m = re.exec(text);
  if (!m) return null;
  const out: string[] = [];
  let i = m.index + m[0].length;
  while (i < text.length) {
    const c = text[i];
    if (c === ']') break;
    if (c === '"') {
      const end = text.indexOf('"', i + 1);
      if (end < 0) break;
      out.push(text.slice(i + 1, end));
      i = end + 1;
      continue;
    }
    i++;
  }
  return out;
}

// devices {
//     global_filter=["r|/dev/zd.*|","r|/dev/rbd.*|"]
//     scan_lvs = 0
// }
/** The settings of lvm.conf that decide whether guest disks are scanned (comments dropped). */
export function parseLvmConf(text: string): LvmConfFilters {
  const clean = text
    .split('\n')
    .map((l) => l.replace(/#.*$/, ''))
    .join('\n');
  const scan = /^\s*scan_lvs\s*=\s*(\d+)/m.exec(clean);
  return {
    // lvm2 2.03 defaults to 0: LVs are never scanned for PVs unless this is set.
    scanLvs: scan ? scan[1] !== '0' : false,
    globalFilter: arraySetting(clean, 'global_filter'),
    filter: arraySetting(clean, 'filter'),
  };
}

const CLOSER: Record<string, string> = { '(': ')', '[': ']', '{': '}' };

/**
 * lvm2 regex filter semantics (filter-regex.c): for each name of the device the first matching
 * pattern counts; one accepting name accepts the device; otherwise a rejecting name rejects it.
 */
export function filterAccepts(patterns: string[], names: string[]): boolean {
  const compiled = patterns.flatMap((p) => {
    if (p.length < 3 || (p[0] !== 'a' && p[0] !== 'r')) return [];
    // filter-regex.c _extract_pattern: the character after a/r opens the regex, `(`, `[` and `{` closed by
    // their pair, any other by itself; the pattern's last character must be that closer.
    if (p[p.length - 1] !== (CLOSER[p[1]] ?? p[1])) return [];
    try {
      return [{ accept: p[0] === 'a', re: new RegExp(p.slice(2, -1)) }];
    } catch {
      return [];
    }
  });
  let rejected = false;
  for (const n of names) {
    const hit = compiled.find((c) => c.re.test(n));
    if (!hit) continue;
    if (hit.accept) return true;
    rejected = true;
  }
  return !rejected;
}

/** Does lvm.conf keep a guest LV (vg/lv) out of scanning? */
export function filterRejects(conf: LvmConfFilters, vg: string, lv: string): boolean {
  const dm = buildDmName(vg, lv);
  const names = [`/dev/mapper/${dm}`, `/dev/${vg}/${lv}`, `/dev/disk/by-id/dm-name-${dm}`];
  for (const f of [conf.globalFilter, conf.filter]) if (f && !filterAccepts(f, names)) return true;
  return false;
}

/** The global_filter line that keeps guest disks of this node's LVM storages out of host scanning. */
export function lvmFilterAdvice(ctx: StorageContext): string[] {
  const conf = parseLvmConf(ctx.lvmConf ?? '');
  const keep = conf.globalFilter ?? ['r|/dev/zd.*|', 'r|/dev/rbd.*|'];
  const add: string[] = [];
  for (const vg of [...new Set(ctx.storages.map((s) => s.vg))].sort()) {
    const q = vg.replace(/-/g, '--');
    for (const p of [`r|/dev/mapper/${q}-vm--.*|`, `r|/dev/mapper/${q}-base--.*|`]) if (!keep.includes(p)) add.push(p);
  }
  if (add.length === 0) return [];
  const patterns = [...add, ...keep].map((p) => `"${p}"`).join(', ');
  return [
    `# in the devices { } section of /etc/lvm/lvm.conf (keep rejects before any "a|.*|"):`,
    `# global_filter = [ ${patterns} ]`,
    'update-initramfs -u -k all',
  ];
}
