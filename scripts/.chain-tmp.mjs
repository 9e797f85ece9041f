import { build } from 'esbuild';
const r = await build({ entryPoints: ['src/cli/main.ts'], outfile: '/tmp/p/meta.cjs', bundle: true, platform: 'node', format: 'cjs', target: 'node18', define: { __PVE_HEALTH_VERSION__: '"x"' }, metafile: true, write: false, logLevel:'error' });
const ins = r.metafile.inputs;
const [from, ...targets] = process.argv.slice(2);
// BFS over static imports only
const prev = new Map([[from, null]]); const q = [from];
while (q.length) { const f = q.shift(); for (const i of ins[f]?.imports ?? []) { if (i.kind !== 'import-statement') continue; if (!prev.has(i.path)) { prev.set(i.path, f); q.push(i.path); } } }
for (const t of targets) { const chain = []; let c = t; if (!prev.has(c)) { console.log(t, 'not reached'); continue; } while (c) { chain.push(c); c = prev.get(c); } console.log(chain.reverse().join(' -> ')); }
