// Verdicts of snapshot LVs: thin snapshots (snap_<volume>_<snapshot>) and PVE 9 volume-chain members
// (snap_<volume>_<snapshot>.qcow2). A snapshot belongs to every guest whose config names its volume (any
// section, whatever VMID the volume's name carries) and is needed while one of them has a snapshot
// section of that name: AbstractConfig.pm snapshot_rollback/snapshot_delete call the storage on each
// volume that guest's section names (facts §13). Pure.

import type { GuestRecord } from '../node/guest-record';
import type { LvRow } from '../parse/parse-lvm';
import type { LvmStorage } from '../parse/storage-config';
import { parseLvmVolname, parseSnapshotLv, vmidOfLvName } from '../parse/volume-name';
import type { DmReason, DmStatus } from '../vocab/types';
import type { ClassifyContext } from './dm-context';
import { refsOf } from './dm-references';
import { ignored, type Verdict, who } from './dm-verdict';

/**
 * One reading of snap_<volume>_<snapshot> ('_' may be in both): the guests that name that volume
 * (`naming`), and with them the guest the volume's name carries (`users`: whose unread config or running
 * snapshot operation may still concern it).
 */
interface Split {
  volume: string;
  snapshot: string;
  naming: GuestRecord[];
  users: GuestRecord[];
}

export function classifySnapshot(
  ctx: ClassifyContext,
  q: { vg: string; name: string; lv: LvRow | null; mapped: boolean },
  v: (s: DmStatus, r: DmReason, d: string, e?: Partial<Verdict>) => Verdict,
  storage: LvmStorage,
): Verdict {
  const { vg, name, lv, mapped } = q;
  const snap = parseSnapshotLv(name, { volumes: lvNamesOf(ctx, vg, lv?.origin) });
  if (!snap)
    return ignored('not-guest-volume', `LV ${vg}/${name} starts with snap_ but names no volume`, {
      storage: storage.id,
    });
  const vmid = vmidOfLvName(snap.volume);
  const owner = vmid !== null ? ctx.guests.get(vmid) : undefined;
  const label = snap.chain ? 'volume-chain snapshot' : 'thin snapshot LV';
  // The parsed split first, then every other reading of the name.
  const all = splitsOf(ctx, storage, { vg, name, chain: snap.chain });
  const splits = [...all.filter((s) => s.volume === snap.volume), ...all.filter((s) => s.volume !== snap.volume)];
  const found = findSection(splits);
  if (found) return foundVerdict(ctx, { label, snap: found, mapped, lv }, v);
  const users = splits.flatMap((s) => s.users);
  const unread = users.find((g) => !g.config);
  if (unread)
    return v(
      'unknown',
      'lvm-incomplete',
      `${who(unread, unread.vmid)}'s config could not be read: cannot check snapshot '${snap.snapshot}'`,
    );
  if (users.length === 0) {
    if (vmid === null || !owner)
      return v(
        'orphan',
        mapped ? 'guest-missing' : 'inactive-leftover',
        `${label} of ${snap.volume} for snapshot '${snap.snapshot}', but no config names ${snap.volume} and ${who(owner, vmid ?? 0)} has no config anywhere in the cluster`,
      );
    if (owner.node !== ctx.node && !storage.shared)
      return v(
        'orphan',
        'not-referenced',
        `${label} of ${snap.volume}: ${who(owner, vmid)} lives on ${owner.node}, not on this node's local storage, and no config of ${ctx.node} names it`,
      );
  }
  if (snap.chain) {
    const current = chainCurrent(ctx, { vg, name, lv, snapshot: snap.snapshot, volume: snap.volume, splits });
    if (current)
      return v('valid', 'chain-current', current.detail, {
        guestNode: current.guest.node,
        volume: `${storage.id}:${snap.volume}`,
      });
  }
  const names = [...new Set(users.map((g) => `${g.vmid}.conf`))];
  return v(
    'orphan',
    'snapshot-missing',
    `${label} of ${snap.volume} for snapshot '${snap.snapshot}', but ${names.length ? names.join(', ') : `${vmid}.conf`} ${names.length > 1 ? 'have' : 'has'} no [${snap.snapshot}] section any more`,
  );
}

/**
 * A volume-chain LV named like a snapshot that no section names, yet is the guest's current image (or a
 * backing file of it). LVMPlugin.pm volume_snapshot renames the current image to snap_<vol>_<snap>.qcow2
 * (rename_snapshot → lvrename), then allocates a new <vol>.qcow2 backed by it; when that fails it renames
 * it back, and when the rename back fails too (or the node dies between) the image the config names is
 * gone and its data sits under the snapshot's name — snapshot_create's error path (AbstractConfig.pm)
 * has dropped the section by then. qemu-server's blockdev_external_snapshot does the same under a running
 * VM, whose kvm keeps writing the renamed LV. So: the volume a config names does not exist, or a running
 * guest that names it holds this LV open — never a snapshot orphan.
 */
function chainCurrent(
  ctx: ClassifyContext,
  o: { vg: string; name: string; lv: LvRow | null; snapshot: string; volume: string; splits: Split[] },
): { guest: GuestRecord; detail: string } | null {
  const naming = o.splits.filter((s) => s.volume === o.volume).flatMap((s) => s.naming);
  if (naming.length === 0) return null;
  const missing = !lvNamesOf(ctx, o.vg).has(o.volume);
  const runner = naming.find((g) => g.node === ctx.node && ctx.kvmAlive.has(g.vmid));
  const open = o.lv?.attr.charAt(5) === 'o';
  if (!missing && !(open && runner)) return null;
  const g = runner ?? naming[0];
  const whose = `${who(g, g.vmid)}`;
  const detail = missing
    ? `volume-chain LV ${o.vg}/${o.name} has no section [${o.snapshot}], and ${o.volume}, which ${whose} names, does not exist: a snapshot whose lvrename did not finish (LVMPlugin.pm volume_snapshot renames the current image to this name first, then allocates a new ${o.volume}) left ${whose}'s current image under this name; ${runner ? 'its running kvm writes it' : 'the guest will not start until it is renamed back'}`
    : `volume-chain LV ${o.vg}/${o.name} has no section [${o.snapshot}], but the running ${whose}, which names ${o.volume}, holds it open: its current image or a backing file of it (a snapshot that did not finish, qemu-server blockdev_external_snapshot)`;
  return { guest: g, detail };
}

/** The guests that name a volume: every config on shared storage, this node's on local storage. */
function splitsOf(ctx: ClassifyContext, storage: LvmStorage, o: { vg: string; name: string; chain: boolean }): Split[] {
  const body = o.name.slice(5, o.chain ? -'.qcow2'.length : undefined);
  const out: Split[] = [];
  for (let i = body.indexOf('_'); i > 0; i = body.indexOf('_', i + 1)) {
    const base = body.slice(0, i);
    const snapshot = body.slice(i + 1);
    if (!snapshot || !parseLvmVolname(base)) continue;
    const volume = o.chain ? `${base}.qcow2` : base;
    const users = new Map<number, GuestRecord>();
    for (const h of refsOf(ctx.refs, o.vg, volume) ?? []) {
      if (h.asBase || (!storage.shared && h.node !== ctx.node)) continue;
      const g = ctx.guests.get(h.vmid);
      if (g) users.set(g.vmid, g);
    }
    const naming = [...users.values()];
    const named = vmidOfLvName(volume);
    const g = named !== null ? ctx.guests.get(named) : undefined;
    if (g && (storage.shared || g.node === ctx.node) && !users.has(g.vmid)) users.set(g.vmid, g);
    out.push({ volume, snapshot, naming, users: [...users.values()] });
  }
  return out;
}

function findSection(splits: Split[]): { guest: GuestRecord; snapshot: string; volume: string } | null {
  for (const s of splits)
    for (const g of s.naming)
      if (g.config?.snapshots.includes(s.snapshot)) return { guest: g, snapshot: s.snapshot, volume: s.volume };
  return null;
}

function foundVerdict(
  ctx: ClassifyContext,
  o: { label: string; snap: { guest: GuestRecord; snapshot: string }; mapped: boolean; lv: LvRow | null },
  v: (s: DmStatus, r: DmReason, d: string, e?: Partial<Verdict>) => Verdict,
): Verdict {
  const { guest: g, snapshot: found } = o.snap;
  const chain = o.label.startsWith('volume-chain');
  // A volume chain is one unit: LVMPlugin (de)activates its members together (lvchange --select), so a
  // member active here while the guest lives on another node is as wrong as its top being active here.
  if (o.mapped && g.node !== ctx.node) {
    return v(
      'orphan',
      'guest-on-other-node',
      `${o.label} of ${who(g, g.vmid)} snapshot '${found}': the guest lives on ${g.node}, so this member of its chain should not be active on ${ctx.node}`,
      { guestNode: g.node, referencedBy: `${who(g, g.vmid)} snapshot [${found}] on ${g.node}` },
    );
  }
  const extra = chain ? 'a member of the volume chain' : o.lv?.attr.includes('k') ? 'activation skip' : '';
  return v(
    'valid',
    'referenced',
    `${o.label} of ${who(g, g.vmid)} snapshot '${found}' (section [${found}] exists)${extra ? `; ${extra}` : ''}`,
    { guestNode: g.node },
  );
}

/** LV names of a VG (indexed once in the LVM view: a node can have thousands of snapshot LVs). */
function lvNamesOf(ctx: ClassifyContext, vg: string, origin?: string): ReadonlySet<string> {
  const names = ctx.lvm.namesByVg.get(vg) ?? new Set<string>();
  // A copy when the origin must be added: the view's set stays the VG's own LV names.
  return origin && !names.has(origin) ? new Set([...names, origin]) : names;
}
