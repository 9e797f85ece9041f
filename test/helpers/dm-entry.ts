// One DmEntry builder for every test that needs an entry without running the analysis: a valid
// top-level map on local-lvm; each test overrides what it is about.
import type { DmEntry } from '../../src/core/vocab/types';

export function dmEntry(over: Partial<DmEntry> = {}): DmEntry {
  return {
    name: 'pve-vm--100--disk--0',
    uuid: '',
    vg: 'pve',
    lv: null,
    layer: null,
    storage: 'local-lvm',
    vmid: null,
    volume: null,
    active: true,
    status: 'valid',
    reason: 'referenced',
    detail: '',
    protected: false,
    pending: false,
    protectedBy: [],
    open: false,
    openCount: 0,
    holders: [],
    processes: [],
    parent: null,
    action: null,
    sizeBytes: 34359738368,
    kind: 'dm',
    ...over,
  };
}

/** An inactive leftover LV of local-lvm whose guest is gone (the DM analysis' orphan without a map). */
export function leftoverEntry(
  vmid: number | null,
  lv: string,
  size: number | null,
  over: Partial<DmEntry> = {},
): DmEntry {
  return dmEntry({
    name: `pve-${lv.replace(/-/g, '--')}`,
    lv,
    vmid,
    volume: `local-lvm:${lv}`,
    active: false,
    status: 'orphan',
    reason: 'guest-missing',
    sizeBytes: size,
    kind: 'lv',
    ...over,
  });
}
