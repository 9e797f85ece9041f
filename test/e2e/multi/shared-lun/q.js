// Questions to a `pve-health cluster --json --documents` document, for the shared-LUN suite:
//   node q.js FILE find KIND TEXT   -> "critical pve1,pve2" ("; "-joined if several), or "absent"
//   node q.js FILE entry NODE NAME  -> that node's verdict on DM map NAME: "duplicate/stale-map[/open]", "absent"
//   node q.js FILE node NODE        -> the node's status (0-3)
//   node q.js FILE error NODE       -> why the node could not be checked (error.kind), or "none"
//   node q.js FILE cross            -> ids of the findings across nodes (not about nodes), or "none"
const [file, what, a, b] = process.argv.slice(2);
const d = JSON.parse(require('node:fs').readFileSync(file, 'utf8'));
const answers = {
  find: () => {
    const f = d.findings.filter((x) => x.kind === a && `${x.title} ${x.detail}`.includes(b));
    return f.length ? f.map((x) => `${x.severity} ${x.nodes.join(',')}`).join('; ') : 'absent';
  },
  entry: () => {
    const e = d.documents?.[a]?.dm?.entries.find((x) => x.name === b);
    return e ? `${e.status}/${e.reason}${e.open ? '/open' : ''}` : 'absent';
  },
  error: () => d.nodes.find((x) => x.node === a)?.error?.kind ?? 'none',
  node: () => d.nodes.find((x) => x.node === a)?.status ?? 'absent',
  cross: () =>
    d.findings
      .filter((x) => !x.kind.startsWith('node-'))
      .map((x) => x.id)
      .join(' ') || 'none',
};
console.log(String(answers[what]()));
