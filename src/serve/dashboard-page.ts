// The dashboard page and its style sheet: static, no data inside (the script fills it from
// /api/status), no external assets, so it works on a node without internet and passes a strict CSP.
// Colours are paired with words (never colour alone) and every pair has a contrast ratio >= 4.5:1.

export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>pve-health</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="dashboard.css">
<script src="dashboard.js" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <h1>pve-health <span id="node" class="node"></span></h1>
  <div class="controls">
    <label for="auto"><input type="checkbox" id="auto" checked> Refresh every 10 s</label>
    <button type="button" id="refresh">Refresh now</button>
  </div>
</header>
<main id="main" tabindex="-1">
  <p id="message" class="message" role="status" aria-live="polite"></p>
  <form id="auth" class="auth" hidden>
    <label for="token">API token (this service needs one)</label>
    <input id="token" name="token" type="password" autocomplete="current-password" required>
    <button type="submit">Use token</button>
  </form>

  <section aria-labelledby="h-overview">
    <h2 id="h-overview">Overview</h2>
    <dl class="cards">
      <div class="card big"><dt>Grade</dt><dd id="grade" class="grade">…</dd></div>
      <div class="card big"><dt>Status</dt><dd id="status" class="status">…</dd></div>
      <div class="card"><dt>Score</dt><dd id="score">…</dd></div>
      <div class="card"><dt>Issues</dt><dd id="issue-count">…</dd></div>
      <div class="card"><dt>Guests</dt><dd id="guest-count">…</dd></div>
      <div class="card"><dt>Mounts</dt><dd id="mount-count">…</dd></div>
      <div class="card"><dt>Last DM scan</dt><dd id="dm-scan">…</dd></div>
      <div class="card"><dt>Last mount scan</dt><dd id="mounts-scan">…</dd></div>
    </dl>
    <p id="summary" class="summary"></p>
    <ul id="alerts" class="alerts"></ul>
  </section>

  <section aria-labelledby="h-cluster" id="cluster-section" hidden>
    <h2 id="h-cluster">Cluster <span id="cluster-name" class="node"></span></h2>
    <p id="cluster-summary" class="summary"></p>
    <p id="cluster-scan" class="meta"></p>
    <div class="scroll">
    <table id="cluster-nodes">
      <caption>Every node's own check, from this node's last cluster scan (ssh)</caption>
      <thead><tr><th scope="col">Node</th><th scope="col">Via</th><th scope="col">Status</th><th scope="col">Grade</th>
      <th scope="col">Summary</th></tr></thead>
      <tbody></tbody>
    </table>
    </div>
    <h3 id="h-cluster-findings">Findings across nodes</h3>
    <p id="cluster-empty" hidden>No problems across nodes.</p>
    <ol id="cluster-findings" class="issues" aria-labelledby="h-cluster-findings"></ol>
  </section>

  <section aria-labelledby="h-issues">
    <h2 id="h-issues">Issues</h2>
    <p id="issues-empty" hidden>No issues: nothing to clean up.</p>
    <ol id="issues" class="issues"></ol>
  </section>

  <section aria-labelledby="h-guests">
    <h2 id="h-guests">Guests</h2>
    <div class="scroll">
    <table id="guests">
      <caption>Device-mapper health of each guest's disks</caption>
      <thead><tr><th scope="col">VMID</th><th scope="col">Name</th><th scope="col">Type</th><th scope="col">Node</th>
      <th scope="col">State</th><th scope="col">Disk health</th><th scope="col">Issues</th><th scope="col">Volumes</th></tr></thead>
      <tbody></tbody>
    </table>
    </div>
  </section>

  <section aria-labelledby="h-mounts">
    <h2 id="h-mounts">Mounts</h2>
    <div class="scroll">
    <table id="mounts">
      <caption>Remote mounts of the node and its containers</caption>
      <thead><tr><th scope="col">Where</th><th scope="col">Target</th><th scope="col">Source</th><th scope="col">Type</th>
      <th scope="col">Storage</th><th scope="col">Status</th><th scope="col">Capacity</th></tr></thead>
      <tbody></tbody>
    </table>
    </div>
  </section>

  <section aria-labelledby="h-notes" id="notes-section" hidden>
    <h2 id="h-notes">Notes</h2>
    <ul id="notes"></ul>
  </section>
</main>
<footer class="foot"><p>Read-only view. Fixes are shown as commands to run on the node; this page changes nothing. <span id="version"></span> <a id="source" href="@SOURCE_URL@">Source code</a> (AGPL-3.0-or-later).</p></footer>
</body>
</html>
`;

/** An http(s) URL as an attribute value; anything else would let config inject markup. */
function escapeAttribute(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * The page with its link to the source of what runs (AGPL-3.0 §13: users of a network service are offered
 * its source). `sourceUrl` is config serve.source_url, by default the project's homepage.
 */
export function renderDashboardHtml(sourceUrl: string): string {
  if (!/^https?:\/\/\S+$/.test(sourceUrl)) throw new Error(`source URL ${JSON.stringify(sourceUrl)} is not http(s)`);
  return DASHBOARD_HTML.replace('@SOURCE_URL@', escapeAttribute(sourceUrl));
}

export const DASHBOARD_CSS = `
:root { --fg: #1a1a1a; --muted: #4a4a4a; --bg: #ffffff; --panel: #f4f5f7; --line: #c8ccd2; --focus: #0b57d0;
  --ok-fg: #0b5d2a; --ok-bg: #e3f3e8; --warn-fg: #6b4100; --warn-bg: #fff1cc;
  --crit-fg: #9b1111; --crit-bg: #fde6e6; --unk-fg: #3a3a3a; --unk-bg: #e6e6e6; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
.skip { position: absolute; left: -999px; top: 0; background: var(--focus); color: #fff; padding: .5em 1em; }
.skip:focus { left: 0; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.top { display: flex; flex-wrap: wrap; justify-content: space-between; align-items: center; gap: 1em;
  padding: .75em 1.25em; border-bottom: 1px solid var(--line); background: var(--panel); }
h1 { margin: 0; font-size: 1.35em; }
.node { font-weight: normal; color: var(--muted); }
h2 { font-size: 1.15em; margin: 1.5em 0 .5em; }
h3 { font-size: 1em; margin: 1em 0 .4em; }
main, .foot { padding: 0 1.25em; max-width: 1400px; }
main:focus { outline: none; }
.controls { display: flex; gap: 1em; align-items: center; }
button { font: inherit; padding: .3em .8em; border: 1px solid #5a5f66; border-radius: 4px; background: #fff; color: var(--fg); cursor: pointer; }
button:hover { background: #eef1f5; }
.message:empty { display: none; }
.message { margin: 1em 0 0; padding: .5em .8em; border-left: 4px solid var(--focus); background: var(--panel); }
.auth { margin: 1em 0; display: flex; gap: .5em; align-items: center; flex-wrap: wrap; }
.auth input { font: inherit; padding: .3em; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: .75em; margin: 0; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: .6em .8em; }
.card dt { color: var(--muted); font-size: .85em; }
.card dd { margin: .2em 0 0; font-weight: 600; }
.card.big dd { font-size: 2em; line-height: 1.1; }
/* Status words (CRITICAL, UNKNOWN) fit the narrowest card: sized by the card, never clipped. */
.card.big { container-type: inline-size; }
.card.big dd.status { font-size: min(2em, 15cqi); white-space: nowrap; }
.s0 { color: var(--ok-fg); background: var(--ok-bg); }
.s1 { color: var(--warn-fg); background: var(--warn-bg); }
.s2 { color: var(--crit-fg); background: var(--crit-bg); }
.s3 { color: var(--unk-fg); background: var(--unk-bg); }
.card.s0, .card.s1, .card.s2, .card.s3 { border-color: currentColor; }
.card.s0 dt, .card.s1 dt, .card.s2 dt, .card.s3 dt { color: inherit; }
.tag { display: inline-block; padding: 0 .45em; border-radius: 3px; font-size: .85em; font-weight: 600; border: 1px solid currentColor; }
.alerts { padding-left: 1.2em; }
.alerts li { color: var(--crit-fg); }
.issues { padding-left: 1.4em; }
.issues > li { margin: 0 0 1em; padding: .6em .8em; border: 1px solid var(--line); border-radius: 6px; }
.issue-head { display: flex; gap: .5em; flex-wrap: wrap; align-items: baseline; }
.issue-name { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-weight: 600; word-break: break-all; }
.issue-detail { margin: .3em 0; }
.meta { color: var(--muted); font-size: .9em; }
.fix { display: flex; gap: .5em; align-items: flex-start; margin-top: .4em; }
.fix code { flex: 1; display: block; padding: .35em .5em; background: #1f2328; color: #f0f3f6; border-radius: 4px;
  font-family: ui-monospace, "DejaVu Sans Mono", monospace; white-space: pre-wrap; word-break: break-all; }
.scroll { overflow-x: auto; }
.path { font-family: ui-monospace, "DejaVu Sans Mono", monospace; overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; }
caption { text-align: left; color: var(--muted); padding: .3em 0; }
th, td { text-align: left; padding: .35em .6em; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--panel); }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.bar { position: relative; width: 12em; height: 1em; background: #e2e5e9; border: 1px solid #8a9099; border-radius: 3px; overflow: hidden; }
.bar > span { display: block; height: 100%; background: #2f6f3e; }
.bar.warn > span { background: #b36b00; }
.bar.crit > span { background: #b3261e; }
.cap { display: flex; gap: .5em; align-items: center; white-space: nowrap; }
.foot { color: var(--muted); font-size: .9em; margin: 2em 0 1em; }
`;
