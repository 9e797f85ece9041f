// Verdicts of snapshot LVs: thin snapshots (snap_<volume>_<snapshot>) and PVE 9 volume-chain members
// (snap_<volume>_<snapshot>.qcow2), checked against the owner's snapshot sections. Pure.

import type { LvRow } from '../parse/parse-lvm';
import type { LvmStorage } from '../parse/storage-config';
import { parseSnapshotLv, vmidOfLvName } from '../parse/volume-name';
import type { DmReason, DmStatus } from '../types';
import type { ClassifyContext } from './dm-context';
import { ignored, type Verdict, who } from './dm-verdict';

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
  if (vmid === null || !owner) {
    return v(
      'orphan',
      mapped ? 'guest-missing' : 'inactive-leftover',
      `${label} of ${snap.volume} for snapshot '${snap.snapshot}', but ${who(owner, vmid ?? 0)} has no config anywhere in the cluster`,
    );
  }
  if (owner.node !== ctx.node && !storage.shared) {
    return v(
      'orphan',
      'not-referenced',
      `${label} of ${snap.volume}: ${who(owner, vmid)} lives on ${owner.node}, not on this node's local storage`,
    );
  }
  if (!owner.config)
    return v(
      'unknown',
      'lvm-incomplete',
      `${who(owner, vmid)}'s config could not be read: cannot check snapshot '${snap.snapshot}'`,
    );
  // The split of snap_<vol>_<snap> is ambiguous when both hold '_': accept any split whose snapshot exists.
  const candidates = [snap.snapshot, ...alternativeSplits(name, { chain: snap.chain })];
  const found = candidates.find((s) => owner.config!.snapshots.includes(s));
  // A volume chain is one unit: LVMPlugin (de)activates its members together (lvchange --select), so a
  // member active here while the guest lives on another node is as wrong as its top being active here.
  if (found && mapped && owner.node !== ctx.node) {
    return v(
      'orphan',
      'guest-on-other-node',
      `${label} of ${who(owner, vmid)} snapshot '${found}': the guest lives on ${owner.node}, so this member of its chain should not be active on ${ctx.node}`,
      { guestNode: owner.node, referencedBy: `${who(owner, vmid)} snapshot [${found}] on ${owner.node}` },
    );
  }
  if (found) {
    const extra = snap.chain
      ? 'a member of the volume chain'
      : lv?.attr[9] === 'k' || lv?.attr.includes('k')
        ? 'activation skip'
        : '';
    return v(
      'valid',
      'referenced',
      `${label} of ${who(owner, vmid)} snapshot '${found}' (section [${found}] exists)${extra ? `; ${extra}` : ''}`,
    );
  }
  return v(
    'orphan',
    'snapshot-missing',
    `${label} of ${snap.volume} for snapshot '${snap.snapshot}', but ${vmid}.conf has no [${snap.snapshot}] section any more`,
  );
}

/** LV names of a VG (indexed once in the LVM view: a node can have thousands of snapshot LVs). */
function lvNamesOf(ctx: ClassifyContext, vg: string, origin?: string): ReadonlySet<string> {
  const names = ctx.lvm.namesByVg.get(vg) ?? new Set<string>();
  // A copy when the origin must be added: the view's set stays the VG's own LV names.
  return origin && !names.has(origin) ? new Set([...names, origin]) : names;
}

function alternativeSplits(name: string, { chain }: { chain: boolean }): string[] {
  const body = name.slice(5, chain ? -'.qcow2'.length : undefined);
  const out: string[] = [];
  for (let i = body.indexOf('_'); i > 0; i = body.indexOf('_', i + 1)) out.push(body.slice(i + 1));
  return out;
}
