import { defineCommand } from '../command';
import { dmPart, documentFor, loadFor, openSession, vmidsOption } from '../node-session';
import { printDocument } from '../output';

export const dmCommand = defineCommand({
  name: 'dm',
  usage: 'dm [--json|--format FMT] [--vmid N]... [--root DIR | --from FILE | --demo]',
  examples: [
    'dm',
    'dm --json',
    'dm --vmid 110   # only guest 110',
    '# analyse a capture taken on another node:',
    'dm --from /root/pve1.json',
  ],
  help: `Options:
  --vmid N          Only guest N's maps, LVs and storage findings (repeatable, or 103,104), and the
                    node's own (of no guest); the status and exit code are theirs`,
  options: { vmid: { type: 'string', multiple: true } },
  async run(ctx) {
    const started = performance.now();
    const vmids = vmidsOption(ctx.values.vmid);
    const s = openSession(ctx);
    const loaded = await loadFor(ctx, s);
    const dm = dmPart(loaded, s.config);
    const doc = documentFor(loaded, s.host, { dm }, { vmids, config: s.config });
    return printDocument(ctx, doc, { durationSeconds: (performance.now() - started) / 1000 });
  },
});
