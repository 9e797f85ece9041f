// A volume on local storage that a guest config of another node names by this very volume ID: either that
// node has its own volume of the name (this one is a leftover of a migration or restore) or it has none
// and this is the guest's only disk. The second is what HA recovery leaves: pve-ha-manager's
// PVE::HA::Env::PVE2::steal_service (the CRM master's recovery of a fenced service) only renames the
// config file into the new node's directory — disks on local storage stay where they were. From this node
// the two cannot be told apart; only the other node can (`pve-health cluster` asks it). So the reversible
// reclaim may stay, and an irreversible step is only offered behind "check that <node> has <volid>".
// Pure.

import { dropStep, type NextStep, otherStep } from './next-step';

/** The other node whose guest's config names this very volume ID on local storage. */
export interface NamedElsewhere {
  node: string;
  vmid: number;
  type: 'qemu' | 'lxc';
}

/** The command, run on this node, that shows whether `node` has its own `volid` (`pvesm list` there). */
export function otherCopyCommand(node: string, volid: string, vmid: number): string[] {
  const storage = volid.slice(0, volid.indexOf(':'));
  return ['ssh', node, 'pvesm', 'list', storage, '--vmid', String(vmid)];
}

/** The doubt in words, for an entry's detail. */
export function onlyCopyWords(n: NamedElsewhere, volid: string): string {
  const g = `${n.type === 'lxc' ? 'CT' : 'VM'} ${n.vmid}`;
  return `${g}'s config on ${n.node} names this very volume ID ${volid}: if ${n.node} has its own ${volid}, this is a leftover of a migration or restore; if not, this is ${g}'s only disk (an HA recovery moves only the config, local disks stay: pve-ha-manager steal_service). Only ${n.node} can tell (pve-health cluster asks it)`;
}

/**
 * The steps of such an orphan: what reclaim offers (reversible) stays; the check on the other node comes
 * before the irreversible drop, which is worded as conditional on it.
 */
export function onlyCopySteps(
  n: NamedElsewhere,
  o: { volid: string; reclaim: NextStep[]; drop: string[] | null },
): NextStep[] {
  const check = otherStep(
    `before anything irreversible, check that ${n.node} has ${o.volid} (if it lists none, this is the guest's only disk: never drop it; bring the guest back to it, then ${n.type === 'lxc' ? 'pct migrate' : 'qm migrate --with-local-disks'} it where it should run)`,
    otherCopyCommand(n.node, o.volid, n.vmid),
  );
  const steps = [...o.reclaim, check];
  if (o.drop) steps.push(dropStep(`only if ${n.node} has its own copy: drop this leftover (irreversible)`, o.drop));
  return steps;
}

/**
 * The first of a local volume's references held by a guest config of another node, as the only-copy rule
 * names it (the DM part's quarantined LVs, the volumes part's quarantined volumes): none on a shared
 * storage, where every node's config is the storage's own.
 */
export function namedElsewhereIn(
  hits: readonly NamedElsewhere[],
  o: { node: string; shared: boolean },
): NamedElsewhere | undefined {
  const h = o.shared ? undefined : hits.find((x) => x.node !== o.node);
  return h ? { node: h.node, vmid: h.vmid, type: h.type } : undefined;
}

/**
 * Why a quarantined volume of a local storage is not offered for the purge: a guest config of another node
 * names this very volume ID (the look, shell-quoted, settles it). Every quarantine listing says this in
 * place of the purge command (render/quarantine.ts), and `reclaim --purge` refuses it (plan-purge.ts).
 */
export function onlyCopyHold(n: NamedElsewhere, volid: string): { text: string; command: string[] } {
  return {
    text: `not purged: ${n.type === 'lxc' ? 'CT' : 'VM'} ${n.vmid}'s config on ${n.node} names this very volume ID, it may be that guest's only disk; before anything irreversible, check that ${n.node} has ${volid}`,
    command: otherCopyCommand(n.node, volid, n.vmid),
  };
}

/** What volidsNamedElsewhere reads of a guest (node/guest-record.ts GuestRecord: this room may not import it). */
interface GuestRefs extends NamedElsewhere {
  config: { refs: readonly { volid: { storage: string; volname: string } | null }[] } | null;
}

/**
 * Every volume ID a guest config of another node names (any section, unused disks too), with that guest:
 * `reclaim --purge` refuses a quarantined local volume of one of them (plan-purge.ts), since from this node
 * its being a leftover cannot be told from its being the guest's only disk. The own volume of a linked
 * clone (`base-900-disk-0/vm-101-disk-0`) is named by both forms.
 */
export function volidsNamedElsewhere(guests: Iterable<GuestRefs>, node: string): Map<string, NamedElsewhere> {
  const out = new Map<string, NamedElsewhere>();
  for (const g of guests) {
    if (g.node === node || !g.config) continue;
    for (const r of g.config.refs) {
      if (!r.volid) continue;
      const named = { node: g.node, vmid: g.vmid, type: g.type };
      const { storage, volname } = r.volid;
      out.set(`${storage}:${volname}`, named);
      const own = volname.indexOf('/') > 0 && /^base-/.test(volname) ? volname.slice(volname.indexOf('/') + 1) : null;
      if (own) out.set(`${storage}:${own}`, named);
    }
  }
  return out;
}
