// Findings about one disk name each other: a mount the kernel made read-only on a device-mapper device
// (`/dev/mapper/pve-vm--110--disk--1`, or `/dev/VG/LV` as LVM links it) and the device-mapper findings
// of that disk's volume (a duplicate map: a second writer is the likely cause of the filesystem error).
// The device-mapper name of `/dev/VG/LV` doubles every hyphen of VG and LV and joins them with one
// (lvm2's dm_build_dm_name; docs/proxmox-facts.md). Pure.
import type { CheckDocument } from '../vocab/types';
import { mountKey } from './finding-keys';

/** The DM name a mount source names: "/dev/mapper/pve-vm--110--disk--1", "/dev/pve/vm-110-disk-1". */
export function dmNameOfSource(source: string): string | null {
  const mapper = /^\/dev\/mapper\/([^/]+)$/.exec(source);
  if (mapper) return mapper[1];
  const vglv = /^\/dev\/([^/]+)\/([^/]+)$/.exec(source);
  if (!vglv || ['mapper', 'disk', 'md', 'zvol', 'rbd'].includes(vglv[1])) return null;
  return `${vglv[1].replace(/-/g, '--')}-${vglv[2].replace(/-/g, '--')}`;
}

/** What this needs of a finding (findings.ts's Finding; a type of its own, so findings.ts imports this one-way). */
type Linked = {
  part: string;
  key: string;
  subject: string;
  status: string;
  detail: string;
  dmName: string | null;
  volume: string | null;
};

/** Adds to each finding's detail the other findings about the same disk ("the same disk: …"). */
export function linkSameDisk<F extends Linked>(doc: CheckDocument, findings: F[]): F[] {
  const volumeOfMap = new Map((doc.dm?.entries ?? []).map((e) => [e.name, e.volume]));
  const diskFindings = findings.filter((f) => f.part === 'dm');
  for (const m of doc.mounts?.entries ?? []) {
    if (m.status === 'ok') continue;
    const name = dmNameOfSource(m.source);
    if (name === null) continue;
    const volume = volumeOfMap.get(name) ?? null;
    const same = diskFindings.filter((f) => f.dmName === name || (volume !== null && f.volume === volume));
    const mount = findings.find((f) => f.part === 'mounts' && f.key === mountKey(m));
    if (!mount || !same.length) continue;
    mount.detail += ` — the same disk: ${same.map((f) => `${f.subject} (${f.status}: ${f.dmName})`).join(', ')}`;
    const where = m.scope === 'ct' ? `${m.target} in CT ${m.ctid}` : m.target;
    for (const f of same) f.detail += ` — the same disk is mounted at ${where} (${m.status}: ${m.detail ?? m.status})`;
  }
  return findings;
}
