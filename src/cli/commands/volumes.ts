import { renderVolumesText } from '../../render/volumes';
import { documentFor, loadFor, openSession } from '../analysis';
import type { Command } from '../command';
import { volumesPart } from '../gather-parts';
import { printDocument } from '../output';

export const volumesCommand: Command = {
  name: 'volumes',
  summary: 'Guest volumes on ZFS, Ceph RBD, dir/NFS/CIFS/CephFS/btrfs storages: valid, orphaned, what holds them',
  usage: 'volumes [--json|--format FMT] [--timeout SEC] [--root DIR | --from FILE | --demo]',
  help: `Lists every guest volume on the node's storages that are not LVM with one \`zfs list\`, one
\`rbd ls -l --format json\` per RBD pool and one reader child per file storage (a network storage only
when it is mounted), each bounded by a timeout: a storage that did not answer is UNKNOWN (exit 3).
Reports only; the hints name the PVE command (pvesm free VOLID, qm disk rescan --vmid N).
Options:
  --timeout SEC     deadline for each storage listing (default 10 s)`,
  options: { timeout: { type: 'string' } },
  async run(ctx) {
    const started = performance.now();
    const s = openSession(ctx);
    const loaded = await loadFor(ctx, s);
    const t = Number(ctx.values.timeout);
    const volumes = await volumesPart(s.host, loaded, {
      required: true,
      timeoutMs: Number.isFinite(t) && t > 0 ? t * 1000 : undefined,
    });
    const doc = documentFor(loaded, s.host, { volumes });
    const durationSeconds = (performance.now() - started) / 1000;
    if (ctx.global.format === 'text' || !ctx.global.format) {
      ctx.io.out(renderVolumesText(doc, { color: ctx.global.color, quiet: ctx.global.quiet }));
      return doc.status;
    }
    return printDocument(ctx, doc, { durationSeconds });
  },
};
