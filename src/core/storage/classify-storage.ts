// Node storage health beyond orphans (docs/storage-health.md): thin pools, multipath paths, stale
// locks and backup leftovers, leftover LVs, shared-LVM autoactivation, host use of guest disks.
// Pure: everything comes from the NodeView (the same few commands the DM analysis gathered) and the
// DM analysis result; the fixes are only shown, never run.

import { networkFileStorages } from '../mounts/network-storages';
import { commandFailure, type NodeView } from '../node/node-view';
import { definedStorageIds } from '../node/storage-gaps';
import { setTwo, type TwoKeys } from '../node/two-keys';
import { vgReachOf } from '../node/vg-reach';
import { parseMountInfo } from '../parse/mountinfo';
import { parseDmStatus } from '../parse/parse-dm-status';
import { storagesOnNode } from '../parse/storage-config';
import { compareText } from '../text/compare-text';
import type { Config } from '../vocab/config';
import { worstStatus } from '../vocab/status';
import type { DmResult, Status, StorageFinding } from '../vocab/types';
import { classifyChainCurrent } from './chain-current';
import { classifyGuestStorage } from './classify-storage-guests';
import { classifyHostUse } from './classify-storage-host';
import { classifyMultipath } from './classify-storage-multipath';
import { classifyThinPools } from './classify-storage-pools';
import { classifySharedness } from './classify-storage-shared';
import { AUTOACTIVATION_KEY, type ParsedGuest, STORAGE_SEVERITY_STATUS, type StorageContext } from './storage-context';
import { classifyUndefinedStorages } from './storage-undefined';

export { AUTOACTIVATION_KEY, type ParsedGuest, type StorageContext, THIN_DEFAULTS } from './storage-context';

function safe<T>(f: () => T, fallback: T): T {
  try {
    return f();
  } catch {
    return fallback;
  }
}

// {"vg_name":"pve", "lv_name":"vm-100-disk-0", "lv_uuid":"6f1MXz-...-J28J6A", "lv_autoactivation":"enabled"}
/** `lvs --reportformat json -o vg_name,lv_name,autoactivation` (lvm2 2.03.16 names the key lv_autoactivation; "" = off), by VG and LV name. */
export function parseAutoactivation(text: string): TwoKeys<boolean> {
  const res: TwoKeys<boolean> = new Map();
  const start = text.indexOf('{');
  if (start < 0) return res;
  const doc = JSON.parse(text.slice(start)) as { report?: { lv?: Record<string, string>[] }[] };
  const reports = doc.report ?? [];
  for (let i = 0; i < reports.length; i++) {
    const rows = reports[i].lv ?? [];
    for (let j = 0; j < rows.length; j++) {
      const row = rows[j];
      if (row.vg_name && row.lv_name)
        setTwo(res, row.vg_name, row.lv_name, (row.lv_autoactivation ?? row.autoactivation) === 'enabled');
    }
  }
  return res;
}

/** The kernel status lines a storage rule reads: thin pools (thin-pool.ts) and multipath maps. */
const STATUS_TARGETS = ['thin-pool', 'multipath'];

export function buildStorageContext(view: NodeView, dm: DmResult, config: Config): StorageContext {
  const { pve, lvm } = view;
  const guests: ParsedGuest[] = [];
  for (const g of [...pve.guests.values()].sort((a, b) => a.vmid - b.vmid)) {
    if (g.config) guests.push({ vmid: g.vmid, type: g.type, node: g.node, config: g.config });
  }
  const auto = view.commands[AUTOACTIVATION_KEY];
  let autoactivation: TwoKeys<boolean> | null | undefined;
  return {
    node: view.node,
    clustered: Boolean(pve.members?.cluster),
    storages: pve.lvmStoragesHere,
    storageIds: definedStorageIds(pve.storageConfig),
    lvs: lvm.lvs ?? [],
    lvsOk: commandFailure(view.commands.lvs) === null,
    lvsTimedOut: lvm.lvsTimedOut,
    vgs: lvm.vgs ?? [],
    devices: view.dm.devices,
    index: view.dm.index,
    status: safe(() => parseDmStatus(view.dm.statusText, view.dm.index.byName, STATUS_TARGETS), new Map()),
    guests,
    tasks: pve.tasks,
    deadTasks: pve.deadTasks,
    tasksUnread: pve.tasksUnread,
    ha: pve.ha,
    running: pve.running,
    kvmAlive: pve.kvmAlive,
    kvmIncoming: pve.kvmIncoming,
    mountinfo: view.files['/proc/self/mountinfo'] ?? '',
    lvmConf: view.files['/etc/lvm/lvm.conf'] ?? null,
    vgReach: vgReachOf(lvm.vgs, view.pvDevices, view.dm),
    networkFs: safe(
      () =>
        networkFileStorages(
          parseMountInfo(view.files['/proc/self/mountinfo'] ?? '').mounts,
          storagesOnNode(pve.storageConfig, view.node),
        ),
      new Map(),
    ),
    // Parsed on first read: only a cluster with shared LVM asks (a report of every LV otherwise unread).
    get autoactivation() {
      if (autoactivation === undefined)
        autoactivation =
          commandFailure(auto) === null ? safe(() => parseAutoactivation(auto?.stdout ?? ''), null) : null;
      return autoactivation;
    },
    get autoactivationFailure() {
      if (this.autoactivation) return null;
      // lvm2 < 2.03.12 refuses the field: an answer (every LV autoactivates), not a failed read.
      if (/Unrecognised field/i.test(auto?.stderr ?? '')) return null;
      return commandFailure(auto) ?? 'its report cannot be parsed';
    },
    dm,
    config,
  };
}

const ORDER = { critical: 0, warning: 1, info: 2 } as const;

/** All storage findings, worst first. The caller folds the worst severity into the status. */
export function classifyStorage(view: NodeView, dm: DmResult, config: Config): StorageFinding[] {
  const ctx = buildStorageContext(view, dm, config);
  const findings = [
    ...classifyThinPools(ctx),
    ...classifyMultipath(ctx),
    ...classifyGuestStorage(ctx),
    ...classifyHostUse(ctx),
    ...classifySharedness(ctx),
    ...classifyUndefinedStorages(ctx),
    ...classifyChainCurrent(ctx),
  ];
  return findings.sort((a, b) => ORDER[a.severity] - ORDER[b.severity] || compareText(a.id, b.id));
}

/** Monitoring status of a finding list: the worst finding's (critical → 2, warning → 1, else 0). */
export function storageStatus(findings: StorageFinding[]): Status {
  return worstStatus(...findings.map((f) => STORAGE_SEVERITY_STATUS[f.severity] ?? 0));
}
