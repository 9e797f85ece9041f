import { defineCommand } from '../command';
import { dmPart, documentFor, loadFor, openSession } from '../node-session';
import { printDocument } from '../output';

export const dmCommand = defineCommand({
  name: 'dm',
  usage: 'dm [--json|--format FMT] [--root DIR | --from FILE | --demo]',
  examples: ['dm', 'dm --json', 'dm --from /root/pve1.json   # analyse a capture taken on another node'],
  async run(ctx) {
    const started = performance.now();
    const s = openSession(ctx);
    const loaded = await loadFor(ctx, s);
    const dm = dmPart(loaded, s.config);
    const doc = documentFor(loaded, s.host, { dm });
    return printDocument(ctx, doc, { durationSeconds: (performance.now() - started) / 1000 });
  },
});
