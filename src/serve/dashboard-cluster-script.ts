// The dashboard's cluster section (serve --cluster), part of /dashboard.js: spliced into the script's
// scope, so it uses its helpers ($, el, clear) and brings its own tag and clock. The page asks /api/cluster
// only when /api/status says the service scans the cluster and has a document, so a service without
// --cluster (or before its first scan) gets no failing request. Values go in through textContent only.

import { SEVERITY_STATUS } from '../core/cluster/cluster-merge';

// The severity mapping is the core's table (the one the findings list uses), written into the script;
// the status words are the script's STATUS_WORDS (dashboard-script.ts), from the core's table too.
export const DASHBOARD_CLUSTER_JS = `
  var CLUSTER_LEVEL = ${JSON.stringify(SEVERITY_STATUS)};

  function clusterTag(level, label) { return el('span', 'tag s' + level, label); }

  function clusterClock(iso) {
    if (!iso) return 'not yet';
    var d = new Date(iso);
    return isNaN(d.getTime()) ? String(iso) : d.toLocaleTimeString();
  }

  // A stacked card on a phone (table.stack): each cell carries its column's name; the summary takes a line.
  function clusterCell(tr, label, cls, content) {
    var td = el('td', cls);
    td.setAttribute('data-label', label);
    if (content && content.nodeType) td.appendChild(content); else td.textContent = String(content);
    tr.appendChild(td);
  }

  function clusterNodeRow(n) {
    var tr = el('tr');
    clusterCell(tr, 'Node', 'nl', n.node);
    clusterCell(tr, 'Via', '', n.local ? 'local' : (n.ip || n.node));
    clusterCell(tr, 'Status', 'nl', clusterTag(n.status, STATUS_WORDS[n.status] || String(n.status)));
    clusterCell(tr, 'Grade', '', n.grade || '-');
    clusterCell(tr, 'Summary', 'wide', n.error ? n.error.kind + ': ' + n.error.message : n.summary);
    return tr;
  }

  function clusterFinding(f) {
    var li = el('li');
    var head = el('div', 'issue-head');
    head.appendChild(clusterTag(CLUSTER_LEVEL[f.severity] === undefined ? 3 : CLUSTER_LEVEL[f.severity], f.severity));
    head.appendChild(document.createTextNode(' '));
    head.appendChild(el('span', 'issue-name', f.title));
    head.appendChild(document.createTextNode(' '));
    head.appendChild(el('span', 'meta', f.kind));
    li.appendChild(head);
    li.appendChild(el('p', 'meta', 'Nodes: ' + f.nodes.join(', ')));
    if (f.detail) li.appendChild(el('p', 'issue-detail', f.detail));
    (f.volumes || []).forEach(function (v) {
      li.appendChild(el('p', 'meta', v.vg + '/' + v.lv + ' (LV UUID ' + v.lvUuid + ') active: ' +
        (v.activeOn.join(', ') || '-') + ' · open: ' + (v.openOn.join(', ') || '-')));
    });
    if (f.explainedBy && f.explainedBy.length) li.appendChild(el('p', 'meta', 'Explained by: ' + f.explainedBy.join('; ')));
    return li;
  }

  function renderCluster(c, scan) {
    $('cluster-section').hidden = false;
    $('cluster-name').textContent = '— ' + (c.cluster.name || c.cluster.localNode) + ' (from ' + c.cluster.localNode + ')';
    var sum = $('cluster-summary');
    clear(sum);
    sum.appendChild(clusterTag(c.status, STATUS_WORDS[c.status] || String(c.status)));
    sum.appendChild(document.createTextNode(' ' + c.summary));
    $('cluster-scan').textContent = 'Scanned at ' + clusterClock(c.generatedAt) +
      (scan.error ? '. The last scan failed: ' + scan.error + ' (this is the previous result).' : '.');
    var body = $('cluster-nodes').tBodies[0];
    clear(body);
    c.nodes.forEach(function (n) { body.appendChild(clusterNodeRow(n)); });
    var list = $('cluster-findings');
    clear(list);
    var shown = c.findings.filter(function (f) { return !/^node-/.test(f.kind); });
    shown.forEach(function (f) { list.appendChild(clusterFinding(f)); });
    $('cluster-empty').hidden = shown.length > 0;
    document.body.setAttribute('data-cluster-loaded', c.generatedAt);
  }

  function loadCluster(scan, headers) {
    if (!scan) return;
    if (!scan.hasDocument) {
      $('cluster-section').hidden = false;
      // The next refresh looks again.
      $('cluster-summary').textContent = scan.error ? 'The cluster scan failed: ' + scan.error : 'The first cluster scan has not finished yet.';
      return;
    }
    fetch('api/cluster', { headers: headers, cache: 'no-store' }).then(function (r) {
      if (!r.ok) throw new Error('HTTP ' + r.status);
      return r.json();
    }).then(function (c) { renderCluster(c, scan); }).catch(function (e) {
      $('cluster-scan').textContent = 'Could not load the cluster view: ' + e.message + '.';
    });
  }
`;
