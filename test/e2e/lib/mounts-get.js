// mounts-get.js FILE [SCOPE:TARGET | summary KEY | status | stuck]: one value out of a
// `pve-health mounts --json` document, for the shell suite (the guest has no jq).
//   host:/mnt/pve/x   → "status reason error usagePercent storage"
//   ct105:/data       → same for CT 105's /data
//   detail ct106:/late → that entry's detail sentence
//   storage ID        → "where status reason" of every entry linked to storage ID
const fs = require('node:fs');
const [file, what, key] = process.argv.slice(2);
const doc = JSON.parse(fs.readFileSync(file, 'utf8'));
const m = doc.mounts;
if (what === 'summary') console.log(m.summary[key]);
else if (what === 'status') console.log(doc.status);
else if (what === 'stuck') console.log(m.stuckProbes.length);
else if (what === 'detail') {
  // detail SCOPE:TARGET → that mount's detail text
  const e = m.entries.find((x) => `${x.scope === 'ct' ? `ct${x.ctid}` : 'host'}:${x.target}` === key);
  console.log(e?.detail ?? 'absent');
} else if (what === 'ms') {
  // ms SCOPE:TARGET → how long that mount's probe took inside the probe child ("null" if it hung)
  const e = m.entries.find((x) => `${x.scope === 'ct' ? `ct${x.ctid}` : 'host'}:${x.target}` === key);
  console.log(e?.probe?.ms ?? 'null');
} else if (what === 'storage') {
  const hits = m.entries.filter((x) => x.storage === key);
  for (const e of hits) console.log(`${e.scope === 'ct' ? `ct${e.ctid}` : 'host'}:${e.target} ${e.status} ${e.reason}`);
  if (!hits.length) console.log('absent');
} else if (what === 'list')
  for (const e of m.entries)
    console.log(
      `${e.scope === 'ct' ? `ct${e.ctid}` : 'host'}:${e.target} ${e.status} ${e.reason} ${e.error} (${e.detail}; probe ${e.probe?.ms ?? '-'} ms)`,
    );
else {
  const [scope, ...rest] = what.split(':');
  const target = rest.join(':');
  const e = m.entries.find(
    (x) => (scope === 'host' ? x.scope === 'host' : x.scope === 'ct' && `ct${x.ctid}` === scope) && x.target === target,
  );
  console.log(e ? `${e.status} ${e.reason} ${e.error} ${e.usagePercent} ${e.storage}` : 'absent');
}
