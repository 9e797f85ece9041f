// A guest's current image left under a snapshot's name (classify-dm-snapshot.ts chainCurrent): the volume
// its config names does not exist, so the guest does not start (PVE::Storage::path gives /dev/<vg>/<vol>,
// which is not there). PVE's own way back is what volume_snapshot does on a failure: rename the LV back
// (LVMPlugin.pm rename_snapshot(…, $snap, 'current') → lvrename). Offered only when one LV is the
// candidate: with two, which one is current is for the admin to read from their backing chains.
import { shellQuote } from '../text/shell-quote';
import type { StorageFinding } from '../vocab/types';
import type { StorageContext } from './storage-context';

export function classifyChainCurrent(ctx: StorageContext): StorageFinding[] {
  const byVolume = new Map<string, { vg: string; lv: string; vmid: number | null }[]>();
  const entries = ctx.dm.entries;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    if (e.reason !== 'chain-current' || !e.vg || !e.lv || !e.volume) continue;
    const list = byVolume.get(e.volume) ?? [];
    list.push({ vg: e.vg, lv: e.lv, vmid: e.vmid });
    byVolume.set(e.volume, list);
  }
  const res: StorageFinding[] = [];
  for (const [volume, lvs] of byVolume) {
    const { vg, vmid } = lvs[0];
    const name = volume.slice(volume.indexOf(':') + 1);
    if (ctx.lvs.some((l) => l.vg === vg && l.name === name)) continue;
    const one = lvs.length === 1;
    const path = (lv: string) => `/dev/${vg}/${lv}`;
    res.push({
      id: `chain-current:${volume}`,
      kind: 'chain-current-renamed',
      severity: 'critical',
      title: `${volume} does not exist: its data is under ${lvs.map((l) => l.lv).join(', ')}`,
      detail: `A PVE 9 volume-chain snapshot did not finish: the current image was renamed to ${one ? 'this snapshot name' : 'snapshot names'} and not back (LVMPlugin.pm volume_snapshot). The guest${vmid !== null ? ` ${vmid}` : ''} will not start until ${one ? 'it is' : 'the current one is'} renamed back; never remove ${one ? 'it' : 'them'}.`,
      fix: [
        ...lvs.map((l) => shellQuote(['qemu-img', 'info', '--backing-chain', path(l.lv)])),
        one
          ? shellQuote(['lvrename', vg, lvs[0].lv, name])
          : `# rename the one that is the top of the chain back: lvrename ${vg} <that LV> ${name}`,
      ],
      subject: { vg, lv: name, ...(vmid !== null ? { vmid } : {}) },
    });
  }
  return res;
}
