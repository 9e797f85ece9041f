// The dashboard's style sheet. Light and dark (prefers-color-scheme, like the PVE GUI); colours are
// paired with words (never colour alone) and every text/background pair has a contrast >= 4.5:1
// (test/serve/dashboard-layout.test.ts measures it in chromium). On a phone the tables become
// stacked rows with the status, health and capacity first; paths break only after / : = , (the
// script inserts <wbr>), names such as vm-100-disk-0 not at all (.nb), never in the middle of a word.

export const DASHBOARD_CSS = `
:root { color-scheme: light dark;
  --fg: #1a1a1a; --muted: #4a4a4a; --bg: #ffffff; --panel: #f4f5f7; --line: #c8ccd2; --focus: #0b57d0; --link: #0b57d0;
  --code-fg: #f0f3f6; --code-bg: #1f2328; --btn-bg: #ffffff; --btn-hover: #eef1f5; --btn-line: #5a5f66;
  --ok-fg: #0b5d2a; --ok-bg: #e3f3e8; --warn-fg: #6b4100; --warn-bg: #fff1cc;
  --crit-fg: #9b1111; --crit-bg: #fde6e6; --unk-fg: #3a3a3a; --unk-bg: #e6e6e6;
  --new-fg: #0a3d91; --new-bg: #dde8fb; --bar: #e2e5e9; --bar-line: #8a9099;
  --fill-ok: #2f6f3e; --fill-warn: #b36b00; --fill-crit: #b3261e; --fill-unk: #6b6f76; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e8eaed; --muted: #b3b9c2; --bg: #16181c; --panel: #1f2328; --line: #3a4048; --focus: #8ab4f8; --link: #8ab4f8;
    --code-fg: #e8eaed; --code-bg: #0b0d10; --btn-bg: #262b31; --btn-hover: #30363d; --btn-line: #8a929c;
    --ok-fg: #86e0a4; --ok-bg: #11301c; --warn-fg: #ffd27a; --warn-bg: #3a2c08;
    --crit-fg: #ffa3a3; --crit-bg: #3f1414; --unk-fg: #d5d9de; --unk-bg: #2e3238;
    --new-fg: #b8d0ff; --new-bg: #14284d; --bar: #2e3238; --bar-line: #6b7380;
    --fill-ok: #4caf6e; --fill-warn: #e0a030; --fill-crit: #ef5b52; --fill-unk: #9aa0a8; }
}
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
a { color: var(--link); }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.skip { position: absolute; left: -999px; top: 0; background: var(--focus); color: var(--bg); padding: .5em 1em; }
.skip:focus { left: 0; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.top { display: flex; flex-wrap: wrap; justify-content: space-between; align-items: center; gap: .5em 1em;
  padding: .6em 1.25em; border-bottom: 1px solid var(--line); background: var(--panel); }
h1 { margin: 0; font-size: 1.35em; }
.node { font-weight: normal; color: var(--muted); }
h2 { font-size: 1.15em; margin: 1.2em 0 .5em; }
.h3, .group > h3 { font-size: 1em; margin: .8em 0 .4em; }
main, .foot { padding: 0 1.25em; max-width: 1400px; }
main:focus { outline: none; }
.controls { display: flex; flex-wrap: wrap; gap: .5em 1em; align-items: center; }
button, select, input { font: inherit; color: var(--fg); }
button, select { padding: .25em .7em; border: 1px solid var(--btn-line); border-radius: 4px; background: var(--btn-bg); cursor: pointer; }
button:hover { background: var(--btn-hover); }
input[type=search], input[type=password] { padding: .25em .4em; border: 1px solid var(--btn-line); border-radius: 4px; background: var(--bg); }
.message:empty { display: none; }
.message { margin: 1em 0 0; padding: .5em .8em; border-left: 4px solid var(--focus); background: var(--panel); }
/* The service does not answer: say so in the warning colours, and grey what is shown (it is old data). */
.stale-bar { margin: 1em 0 0; padding: .5em .8em; border: 2px solid currentColor; border-radius: 5px; font-weight: 600;
  color: var(--warn-fg); background: var(--warn-bg); }
body.stale .cards, body.stale .summary, body.stale .history, body.stale .groups, body.stale table, body.stale #cluster-section {
  filter: grayscale(1); }
body.stale .card { border-style: dashed; }
.auth { margin: 1em 0; display: flex; gap: .5em; align-items: center; flex-wrap: wrap; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(9.5em, 1fr)); gap: .6em; margin: 1em 0 0; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: .5em .7em; min-width: 0; }
.card dt { color: var(--muted); font-size: .85em; }
.card dd { margin: .15em 0 0; font-weight: 600; font-size: 1.3em; }
.card.big dd { font-size: 2em; line-height: 1.1; }
/* Status words (CRITICAL, UNKNOWN) fit the narrowest card: sized by the card, never clipped. */
.card.big { container-type: inline-size; }
.card.big dd.status { font-size: min(2em, 15cqi); white-space: nowrap; }
.card dd.scans { font-size: .9em; font-weight: normal; }
.s0 { color: var(--ok-fg); background: var(--ok-bg); }
.s1 { color: var(--warn-fg); background: var(--warn-bg); }
.s2 { color: var(--crit-fg); background: var(--crit-bg); }
.s3 { color: var(--unk-fg); background: var(--unk-bg); }
.card.s0, .card.s1, .card.s2, .card.s3 { border-color: currentColor; }
.card.s0 dt, .card.s1 dt, .card.s2 dt, .card.s3 dt { color: inherit; }
.tag { display: inline-block; padding: 0 .4em; border-radius: 3px; font-size: .8em; font-weight: 600; border: 1px solid currentColor; white-space: nowrap; }
.tag.kind { color: var(--muted); font-weight: normal; }
.tag.new { color: var(--new-fg); background: var(--new-bg); }
.summary { color: var(--muted); margin: .6em 0 0; }
.summary .parts { display: block; font-size: .9em; }
#quarantine .meta { margin: .4em 0 0; }
.alerts { padding-left: 1.2em; }
.alerts li { color: var(--crit-fg); }
.sparks { list-style: none; padding: 0; margin: 0; display: flex; flex-wrap: wrap; gap: .4em 2em; }
.sparks li { display: flex; gap: .6em; align-items: center; }
.spark { width: 12em; height: 1.8em; border-bottom: 1px solid var(--bar-line); }
.spark .b0 { fill: var(--fill-ok); } .spark .b1 { fill: var(--fill-warn); } .spark .b2 { fill: var(--fill-crit); } .spark .b3 { fill: var(--fill-unk); }
.toolbar { display: flex; flex-wrap: wrap; gap: .4em .6em; align-items: center; margin-bottom: .5em; }
.toolbar input { flex: 1 1 12em; min-width: 0; max-width: 24em; }
.findings { list-style: none; padding: 0; margin: 0; display: grid; gap: .5em;
  grid-template-columns: repeat(auto-fill, minmax(min(100%, 32em), 1fr)); align-items: start; }
.finding { border: 1px solid var(--line); border-left: 5px solid var(--line); border-radius: 5px; padding: .45em .7em; min-width: 0; }
.finding.l2 { border-left-color: var(--fill-crit); } .finding.l1 { border-left-color: var(--fill-warn); }
.finding.l3 { border-left-color: var(--fill-unk); } .finding.acked, .finding.pending { border-left-style: dashed; }
.f-head { display: flex; gap: .35em; flex-wrap: wrap; align-items: baseline; }
.f-title, .mono, .path { font-family: ui-monospace, "DejaVu Sans Mono", monospace; overflow-wrap: break-word; min-width: 0; }
.f-title { font-weight: 600; }
.f-sub { margin: .15em 0 0; }
.meta { color: var(--muted); font-size: .9em; }
.meta.step-drop { color: var(--crit-fg); }
details.more-info > summary > h3 { display: inline; }
details.more-info > summary { cursor: pointer; color: var(--link); font-size: .9em; margin-top: .2em; }
details.more-info[open] > summary { margin-bottom: .3em; }
details.more-info p { margin: .25em 0; }
.fix { display: flex; gap: .5em; align-items: flex-start; margin-top: .3em; }
.fix code { flex: 1; min-width: 0; display: block; padding: .3em .5em; background: var(--code-bg); color: var(--code-fg); border-radius: 4px;
  font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: .9em; white-space: pre-wrap; overflow-wrap: break-word; }
.group > h3 .tag { font-size: .85em; }
table { border-collapse: collapse; width: 100%; }
caption { text-align: left; color: var(--muted); padding: .3em 0; }
th, td { text-align: left; padding: .3em .6em; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--panel); }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
table:not(.all) tr.healthy { display: none; }
.more { margin-top: .4em; }
.bar { position: relative; width: 8em; height: .9em; background: var(--bar); border: 1px solid var(--bar-line); border-radius: 3px; overflow: hidden; flex: none; }
.bar > span { display: block; height: 100%; background: var(--fill-ok); }
.bar.warn > span { background: var(--fill-warn); }
.bar.crit > span { background: var(--fill-crit); }
.bar.unk > span { background: var(--fill-unk); }
/* A name (vm-100-disk-0, local-lvm, a guest's name) is one word: it wraps only at the <wbr> around it. */
.nb { white-space: nowrap; }
.cap { display: flex; gap: .5em; align-items: center; flex-wrap: wrap; }
.foot { color: var(--muted); font-size: .9em; margin: 2em 0 1em; }
/* The cluster's findings name LVs by UUID and nodes' errors quote paths: long words wrap rather than widen the page. */
#cluster-section p, #cluster-nodes td { overflow-wrap: anywhere; }
/* Phone: each table row is a small card that wraps: the status/health and capacity first, labels inline. */
@media (max-width: 40em) {
  main, .foot { padding: 0 .75em; }
  .top { padding: .5em .75em; }
  /* Status and grade two to a row, the counts three: the first finding stays on the first screen. */
  .cards { grid-template-columns: repeat(6, minmax(0, 1fr)); gap: .4em; margin-top: .6em; }
  .card { grid-column: span 2; padding: .3em .5em; }
  .card.big { grid-column: span 3; }
  .card dt { font-size: .8em; }
  .card dd { font-size: 1.15em; }
  .card.big dd { font-size: 1.7em; }
  /* Three parts' ages (DM, mounts, volumes) in the small card: one short line each, the first finding stays on the first screen. */
  .card dd.scans { font-size: .8em; line-height: 1.25; }
  /* The parts' own line repeats the findings below: on a phone the first finding stays on the first screen. */
  .summary .parts { display: none; }
  table.stack, table.stack tbody { display: block; width: 100%; }
  table.stack thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
  table.stack caption { display: block; }
  table.stack tr { display: flex; flex-wrap: wrap; gap: .1em .9em; align-items: baseline;
    border: 1px solid var(--line); border-radius: 5px; margin: 0 0 .4em; padding: .3em .5em; }
  table:not(.all) tr.healthy { display: none; }
  table.stack td { display: inline; border: 0; padding: 0; min-width: 0; }
  table.stack td::before { content: attr(data-label) ": "; color: var(--muted); font-size: .85em; }
  table.stack td.nl::before { content: none; }
  table.stack td.wide { flex-basis: 100%; }
  table.stack td.num { text-align: left; }
  .spark { width: 8em; }
  .fix { flex-wrap: wrap; }
  .fix code { flex-basis: 100%; font-size: .85em; }
}
`;
