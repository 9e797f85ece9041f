// A DM verdict (status, reason, sentence) and the small helpers every classifier builds it with. Pure.
import type { GuestRecord } from '../node/guest-record';
import type { NamedElsewhere } from '../vocab/only-copy';
import type { DmReason, DmStatus } from '../vocab/types';

export interface Verdict {
  status: DmStatus;
  reason: DmReason;
  detail: string;
  storage: string | null;
  vmid: number | null;
  volume: string | null;
  guestNode: string | null;
  guestType: 'qemu' | 'lxc' | null;
  /** A config on another node names it (DmEntry.referencedBy). */
  referencedBy?: string;
  /** In quarantine and named again by these configs (DmEntry.quarantineNamedBy). */
  quarantineNamedBy?: string[];
  /** In quarantine on local storage, its volume ID named on another node (DmEntry.quarantineNamedOn). */
  quarantineNamedOn?: NamedElsewhere;
}

export const who = (g: GuestRecord | undefined, vmid: number) =>
  `${g?.type === 'lxc' ? 'CT' : g ? 'VM' : 'VM/CT'} ${vmid}`;

export function ignored(reason: DmReason, detail: string, extra: Partial<Verdict> = {}): Verdict {
  return {
    status: 'ignored',
    reason,
    detail,
    storage: null,
    vmid: null,
    volume: null,
    guestNode: null,
    guestType: null,
    ...extra,
  };
}
