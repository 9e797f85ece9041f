// Preconditions of a cleanup (design.md "Cleanup"): when any of them fails, `clean` and `restore`
// refuse to act at all (exit 3). Pure: the facts are gathered by src/host, decided here.

import type { NodeView } from '../node/node-view';
import { parseMembers } from '../parse/pmxcfs';
import type { DmResult } from '../vocab/types';

export interface Refusal {
  code: 'pve-not-mounted' | 'members' | 'not-quorate' | 'hostname' | 'no-guest-configs' | 'sys-mismatch' | 'gather';
  message: string;
}

export interface PveMountState {
  mounted: boolean;
  /** What was found instead, e.g. "no mount at /etc/pve in …/proc/self/mountinfo" or "ext4 /dev/sda1". */
  detail: string;
}

export interface SafetyFacts {
  pveMount: PveMountState;
  /** Text of /etc/pve/.members, or undefined when it could not be read. */
  membersText?: string;
  hostname: string;
  /** Guest config files found under /etc/pve/nodes/<any node>/{qemu-server,lxc}. */
  guestConfigs: number;
  /** Entries that are PVE guest volumes (an LV of a PVE storage named for a VMID). */
  guestVolumes: number;
}

/** The facts of one gathered node (plus the /etc/pve mount state, read separately). */
export function safetyFacts(view: NodeView, result: DmResult, pveMount: PveMountState): SafetyFacts {
  return {
    pveMount,
    membersText: view.files['/etc/pve/.members'],
    hostname: view.hostname,
    guestConfigs: view.pve.configCount,
    // A disk a config names that lvs does not list (dm-missing.ts) is no volume that exists.
    guestVolumes: result.entries.filter(
      (e) => e.vmid !== null && e.storage !== null && e.lv !== null && e.reason !== 'missing-referenced',
    ).length,
  };
}

function shortHost(h: string): string {
  return h.trim().split('.')[0];
}

export function checkSafety(f: SafetyFacts): Refusal[] {
  const out: Refusal[] = [];
  if (!f.pveMount.mounted) {
    out.push({
      code: 'pve-not-mounted',
      message: `/etc/pve is not a mounted cluster filesystem (pmxcfs): ${f.pveMount.detail}`,
    });
  }
  let nodename: string | null = null;
  if (f.membersText === undefined) {
    out.push({ code: 'members', message: '/etc/pve/.members is missing: cannot tell the node name and quorum' });
  } else {
    try {
      const m = parseMembers(f.membersText);
      nodename = m.nodename;
      // A standalone node has no `cluster` object and counts as quorate.
      if (m.cluster && !m.cluster.quorate) {
        out.push({ code: 'not-quorate', message: `cluster '${m.cluster.name}' is not quorate (/etc/pve/.members)` });
      }
    } catch (e) {
      out.push({ code: 'members', message: `/etc/pve/.members: ${(e as Error).message}` });
    }
  }
  if (nodename !== null && shortHost(f.hostname) !== nodename) {
    out.push({
      code: 'hostname',
      message: `hostname '${f.hostname.trim()}' differs from the node name '${nodename}' in /etc/pve/.members`,
    });
  }
  if (f.guestConfigs === 0 && f.guestVolumes > 0) {
    out.push({
      code: 'no-guest-configs',
      message: `no guest configs found under /etc/pve/nodes while ${f.guestVolumes} guest volume(s) exist`,
    });
  }
  return out;
}
