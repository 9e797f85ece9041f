import { defineCommand } from '../command';
import { mountsPart, volumesPart } from '../gather-parts';
import { mountTimeoutMs } from '../mounts-pipeline';
import { documentFor, loadFor, openSession, vmidsOption } from '../node-session';
import { printDocument } from '../output';

export const volumesCommand = defineCommand({
  name: 'volumes',
  usage: 'volumes [--json|--format FMT] [--vmid N]... [--timeout SEC] [--root DIR | --from FILE | --demo]',
  examples: ['volumes', 'volumes --json', 'volumes --vmid 103   # only guest 103', 'volumes --timeout 10'],
  help: `Lists every guest volume on the node's storages that are not LVM with one \`zfs list\`, one
\`rbd ls -l --format json\` per RBD pool and one reader child per file storage (a network storage only
when its mount probed healthy), each bounded by a timeout: a storage that did not answer is UNKNOWN (exit 3).
Reports only; each orphan's next steps name the PVE commands, each on a line of its own: keep it
(qm disk rescan --vmid N attaches it) or drop it (pvesm free VOLID: irreversible).

Options:
  --vmid N          Only guest N's volumes (repeatable, or 103,104), and the node's own findings; the
                    storages' counts, the status and the exit code are theirs
  --timeout SEC     Deadline for each storage listing (default 10 s)`,
  options: { timeout: { type: 'string' }, vmid: { type: 'string', multiple: true } },
  async run(ctx) {
    const started = performance.now();
    const vmids = vmidsOption(ctx.values.vmid);
    const s = openSession(ctx);
    const loaded = await loadFor(ctx, s);
    const t = Number(ctx.values.timeout);
    // A network storage is read only when its mount probes healthy now (as in `check`): a reader on a
    // dead NFS server hangs, and serve runs this every interval. Fresh, because a result cached a minute
    // ago says nothing about a server that died since; a mount whose earlier probe is still stuck is
    // never probed again (it is stale at once).
    const mounts = loaded.live
      ? await mountsPart(s.host, s.config, loaded, {
          fresh: true,
          timeoutMs: mountTimeoutMs(s.host, s.config, undefined),
        })
      : undefined;
    const volumes = await volumesPart(s.host, loaded, {
      mounts,
      required: true,
      timeoutMs: Number.isFinite(t) && t > 0 ? t * 1000 : undefined,
    });
    const doc = documentFor(loaded, s.host, { volumes }, { vmids, config: s.config });
    const durationSeconds = (performance.now() - started) / 1000;
    // Text as `check` prints it (output.ts): the width, problems first in one style, then the storages.
    return printDocument(ctx, doc, { durationSeconds });
  },
});
