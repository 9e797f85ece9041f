// One inventory of guest volumes, whatever the storage, keyed by the volume ID PVE writes in configs
// (`<storage>:<volname>`): for LVM storages the DM maps and LVs are the layer beneath it (a DM-only
// finding — a stale map, two maps of one LV, a map without an LV — stays, attached to its volume
// where it has one); ZFS, RBD and file volumes come from the volumes part as it classified them.
// Entries with no volume ID (foreign maps, a map whose name is no PVE volume) are listed by DM name.
// JSON `inventory` of `check --json`; the text and the guest table lead with the same IDs. Pure.

import { type KnownGuests, knownGuests } from '../node/guest-index';
import { compareText } from '../text/compare-text';
import { worstStatus } from '../vocab/status';
import type { CheckDocument, DmEntry, Status } from '../vocab/types';
import type { VolumeEntry } from '../vocab/volume-types';
import { guestLabels } from './finding-words';
import { type Finding, listFindings } from './findings';

export interface InventoryVolume {
  /** `<storage>:<volname>`, or null for a device-mapper map that is no PVE volume. */
  volume: string | null;
  storage: string | null;
  vmid: number | null;
  /** "VM 100 web01", "CT 110 dns1", "VMID 150 (no config)". */
  guest: string | null;
  /** Where it lives: "lvm" (DM maps and LVs beneath), or the volumes part's storage type (zfspool, rbd, dir, ...). */
  kind: string;
  /** The worst status of the volume and what lies beneath it: duplicate, orphan, unknown, valid, ignored. */
  status: string;
  /** Its worst finding's monitoring state that counts now (0 when none counts). */
  level: Status;
  sizeBytes: number | null;
  /** Keys of its findings (as `pve-health ack` takes them). */
  findings: string[];
  /** LVM: the DM maps and LVs beneath (name, UUID, status, reason, whether a map is active). */
  dm: { name: string; uuid: string; status: string; reason: string; active: boolean; layer: string | null }[];
  /** ZFS/RBD/file snapshots the volumes part listed for it. */
  snapshots: string[];
  /**
   * The config lines that name it: "VM 100 scsi0", "VM 100 unused0", "VM 100 snapshot [before] scsi0",
   * "CT 200 mp0" (volumes); for LVM the guests whose configs name the LV ("VM 100 on pve1").
   */
  references: string[];
  /** What holds it: processes with it open ("kvm (pid 4242)") and, for LVM, the DM devices stacked on it. */
  holders: string[];
  /** Open by anyone: a holder here, an RBD lock or watcher, a krbd map, an open count on a DM map. */
  open: boolean;
  /** RBD: the clients watching it (`rbd status`), on any node (present when it was asked). */
  watchers?: string[];
  /** RBD: mapped by krbd on this node (present when it is). */
  krbdMapped?: true;
  /**
   * The operations that explain it or hold it: a task of its guest (`task:qmigrate`), the guest's lock
   * (`lock`, `lock:backup`), HA (`ha:migrate`), a replication job (`replication-job:100-0`), Ceph's own
   * (`rbd-migration`, `rbd-mirror`).
   */
  operations: string[];
  /** A running operation explains (part of) it. */
  pending: boolean;
  /** RBD: it is in the Ceph trash (`rbd trash ls`), with its trash ID and where it came from. */
  trash?: { id: string; source: string };
}

const OPERATION = /^(task:|lock$|lock:|ha:|replication-job:|rbd-migration$|rbd-mirror$)/;

/** Items the list lacks appended in their order, each once. */
function addAll(list: string[], items: readonly string[]): void {
  // Nearly every list is a volume's one or two references or holders: searched in place. A thin pool's
  // map is held by every thin LV and snapshot on it (7,548 `dm` holders at 10,000 devices): searched
  // item by item that was quadratic, a quarter of `check --json`'s time there.
  if (list.length + items.length <= 16) {
    for (let i = 0; i < items.length; i++) if (!list.includes(items[i])) list.push(items[i]);
    return;
  }
  const have = new Set(list);
  for (let i = 0; i < items.length; i++) {
    const x = items[i];
    if (have.has(x)) continue;
    have.add(x);
    list.push(x);
  }
}

const STATUS_ORDER = ['ignored', 'valid', 'orphan', 'unknown', 'duplicate'];

function worse(a: string, b: string): string {
  return STATUS_ORDER.indexOf(b) > STATUS_ORDER.indexOf(a) ? b : a;
}

type Label = (vmid: number, type: 'qemu' | 'lxc' | null) => string;

function fromDm(e: DmEntry, label: Label): InventoryVolume {
  return {
    volume: e.volume,
    storage: e.storage,
    vmid: e.vmid,
    guest: e.vmid === null ? null : label(e.vmid, e.guestType ?? null),
    kind: 'lvm',
    status: 'ignored',
    level: 0,
    sizeBytes: e.parent ? null : e.sizeBytes,
    findings: [],
    dm: [],
    snapshots: [],
    ...depth(),
  };
}

const depth = () => ({
  references: [] as string[],
  holders: [] as string[],
  open: false,
  operations: [] as string[],
  pending: false,
});

function fromVolume(e: VolumeEntry, label: Label): InventoryVolume {
  return {
    volume: e.volid,
    storage: e.storage,
    vmid: e.vmid,
    guest: e.vmid === null ? null : label(e.vmid, null),
    kind: e.type,
    status: 'ignored',
    level: 0,
    sizeBytes: e.sizeBytes,
    findings: [],
    dm: [],
    snapshots: [],
    ...depth(),
    ...(e.trash ? { trash: { id: e.trash.id, source: e.trash.source } } : {}),
  };
}

/** What an entry of either part says about references, holders and operations, added to its volume. */
function addDepth(
  v: InventoryVolume,
  e: { open: boolean; pending: boolean; protectedBy: string[] },
  more: { references: string[]; holders: string[]; watchers?: string[] },
): void {
  addAll(v.references, more.references);
  addAll(v.holders, more.holders);
  if (more.watchers) {
    v.watchers = v.watchers ?? [];
    addAll(v.watchers, more.watchers);
  }
  addAll(
    v.operations,
    e.protectedBy.filter((p) => OPERATION.test(p)),
  );
  v.open ||= e.open;
  v.pending ||= e.pending;
  if (e.protectedBy.includes('krbd-mapped')) v.krbdMapped = true;
}

/** The inventory (see the header), in volume-ID order, DM-only entries last. */
export function inventoryOf(
  doc: CheckDocument,
  findings: Finding[] = listFindings(doc),
  known: KnownGuests = knownGuests(doc),
): InventoryVolume[] {
  const label = guestLabels(known);
  const byId = new Map<string, InventoryVolume>();
  const dmOwner = new Map<string, string>();
  for (const e of doc.dm?.entries ?? []) {
    // A layer or partition belongs to its LV's volume; a top-level entry without a volume ID stands alone.
    const top = e.parent
      ? (dmOwner.get(e.parent) ?? `dm ${e.parent}`)
      : e.volume
        ? `volume ${e.volume}`
        : `dm ${e.name}`;
    dmOwner.set(e.name, top);
    const v = byId.get(top) ?? fromDm(e, label);
    byId.set(top, v);
    v.dm.push({ name: e.name, uuid: e.uuid, status: e.status, reason: e.reason, active: e.active, layer: e.layer });
    addDepth(v, e, {
      references: [
        ...(e.guests ?? []).map((g) => `${g.type === 'lxc' ? 'CT' : 'VM'} ${g.vmid} on ${g.node}`),
        ...(e.referencedBy ? [e.referencedBy] : []),
      ],
      holders: [...e.processes.map((p) => `${p.command} (pid ${p.pid})`), ...e.holders.map((h) => `dm ${h}`)],
    });
    if (!e.parent) v.status = worse(v.status, e.status);
    if (v.sizeBytes === null && !e.parent) v.sizeBytes = e.sizeBytes;
  }
  for (const e of doc.volumes?.entries ?? []) {
    // An image in the Ceph trash is its own row (a name can be there beside a live image of that name).
    const id = e.trash ? `volume ${e.volid}#trash:${e.trash.id}` : `volume ${e.volid}`;
    const v = byId.get(id) ?? fromVolume(e, label);
    byId.set(id, v);
    if (e.snapshot) v.snapshots.push(e.snapshot);
    v.status = worse(v.status, e.status);
    addDepth(v, e, {
      references: e.references ?? [],
      holders: e.holders.map((h) => `${h.command} (pid ${h.pid})`),
      watchers: e.watchers,
    });
  }
  for (const f of findings) {
    const trashed = f.part === 'volumes' && f.subject.includes('#trash:');
    const id = f.volume
      ? `volume ${trashed ? f.subject : f.volume}`
      : f.dmName
        ? (dmOwner.get(f.dmName) ?? null)
        : null;
    const v = id ? byId.get(id) : undefined;
    if (!v) continue;
    v.findings.push(f.key);
    if (!f.pending && !f.acknowledged) v.level = worstStatus(v.level, f.severity);
  }
  return [...byId.values()].sort(
    (a, b) =>
      Number(a.volume === null) - Number(b.volume === null) ||
      compareText(a.volume ?? a.dm[0]?.name ?? '', b.volume ?? b.dm[0]?.name ?? ''),
  );
}
