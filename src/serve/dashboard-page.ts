// The dashboard page: static, no data inside (the script fills it from /api/status), no external
// assets, so it works on a node without internet and passes a strict CSP. Landmarks (header, main,
// footer), a skip link, and a label for every control. The style sheet is src/serve/dashboard-style.ts.

export { DASHBOARD_CSS } from './dashboard-style';

export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
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
  <p id="stale" class="stale-bar" role="alert" hidden></p>
  <form id="auth" class="auth" hidden>
    <label for="token">API token (this service needs one)</label>
    <input id="token" name="token" type="password" autocomplete="current-password" required>
    <button type="submit">Use token</button>
  </form>

  <section aria-labelledby="h-overview">
    <h2 id="h-overview" class="sr-only">Overview</h2>
    <dl class="cards">
      <div class="card big"><dt>Status</dt><dd id="status" class="status">…</dd></div>
      <div class="card big"><dt>Grade</dt><dd id="grade" class="grade">…</dd></div>
      <div class="card"><dt>Critical</dt><dd id="n-critical">…</dd></div>
      <div class="card"><dt>Warning</dt><dd id="n-warning">…</dd></div>
      <div class="card"><dt>Unknown</dt><dd id="n-unknown">…</dd></div>
      <div class="card"><dt>Acknowledged</dt><dd id="n-acknowledged">…</dd></div>
      <div class="card"><dt>New since last scan</dt><dd id="n-new">…</dd></div>
      <div class="card"><dt>Last scans</dt><dd id="scans" class="scans">…</dd></div>
    </dl>
    <p id="summary" class="summary"></p>
    <ul id="alerts" class="alerts"></ul>
  </section>

  <section aria-labelledby="h-cluster" id="cluster-section" hidden>
    <h2 id="h-cluster">Cluster <span id="cluster-name" class="node"></span></h2>
    <p id="cluster-summary" class="summary"></p>
    <p id="cluster-scan" class="meta"></p>
    <div class="scroll">
    <table id="cluster-nodes" class="stack">
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
    <h2 id="h-issues">Findings <span id="shown" class="meta"></span></h2>
    <div class="toolbar" role="search">
      <label for="q">Filter</label>
      <input id="q" type="search" placeholder="VMID, name, volume, storage…" autocomplete="off">
      <label for="group">Group by</label>
      <select id="group">
        <option value="severity">severity</option>
        <option value="guest">guest</option>
        <option value="kind">kind</option>
      </select>
    </div>
    <p id="issues-empty" hidden>No findings: nothing needs attention.</p>
    <div id="issues" class="groups"></div>
    <!-- After the findings: on a phone the first finding is on the first screen. -->
    <div id="history" class="history" hidden>
      <h3 class="h3">History</h3>
      <ul id="sparks" class="sparks"></ul>
    </div>
  </section>

  <section aria-labelledby="h-guests">
    <h2 id="h-guests">Guests</h2>
    <table id="guests" class="stack">
      <caption>Disk health of each guest: the ones with findings first</caption>
      <thead><tr><th scope="col">Health</th><th scope="col">Guest</th><th scope="col">Issues</th>
      <th scope="col">State</th><th scope="col">Node</th><th scope="col">Volumes</th></tr></thead>
      <tbody></tbody>
    </table>
    <button type="button" id="guests-more" class="more" aria-controls="guests" aria-expanded="false" hidden></button>
  </section>

  <section aria-labelledby="h-mounts">
    <h2 id="h-mounts">Mounts</h2>
    <table id="mounts" class="stack">
      <caption>Remote mounts of the node and its containers: problems first</caption>
      <thead><tr><th scope="col">Status</th><th scope="col">Capacity</th><th scope="col">Mount</th>
      <th scope="col">Storage</th><th scope="col">Source</th></tr></thead>
      <tbody></tbody>
    </table>
    <button type="button" id="mounts-more" class="more" aria-controls="mounts" aria-expanded="false" hidden></button>
  </section>

  <section aria-labelledby="h-quarantine" id="quarantine-section" hidden>
    <h2 id="h-quarantine">In quarantine</h2>
    <p id="quarantine-heading" class="summary"></p>
    <table id="quarantine" class="stack">
      <caption>What reclaim set aside: restore brings a volume back; only a purge deletes, once it is due</caption>
      <thead><tr><th scope="col">Volume</th><th scope="col">Storage</th><th scope="col">Quarantined at</th>
      <th scope="col">Due for purge at</th><th scope="col">Size</th><th scope="col">Commands</th></tr></thead>
      <tbody></tbody>
    </table>
  </section>

  <section aria-labelledby="h-notes" id="notes-section" hidden>
    <h2 id="h-notes">Notes</h2>
    <ul id="notes"></ul>
  </section>
</main>
<footer class="foot"><p>Read-only view: fixes and acknowledgements are commands to run on the node; this page changes nothing. <span id="version"></span> <a id="source" href="@SOURCE_URL@">Source code</a> (AGPL-3.0-or-later).</p></footer>
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
