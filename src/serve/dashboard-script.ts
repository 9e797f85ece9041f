// The dashboard's script, served as /dashboard.js. Plain ES2017 that every browser of the last years
// runs, no framework, no build step. Every value from the API goes into the page through
// textContent or an attribute, never innerHTML: guest names and mount paths are user-controlled.
// Status words, sizes and capacity texts come from the server (doc.view): nothing is re-derived here.
// (Written without template literals so it can live inside this TypeScript string.)
import { SEVERITY_RANK, STATUS_WORD } from '../core/vocab/status';
import type { Status } from '../core/vocab/types';
import { DASHBOARD_CLUSTER_JS } from './dashboard-cluster-script';
import { DOM_JS } from './dashboard-dom';
import { FINDINGS_JS } from './dashboard-findings';
import { TABLES_JS } from './dashboard-tables';

const MAIN_JS = String.raw`
  var REFRESH_MS = 10000;
  var token = null;
  var timer = null;
  var lastDoc = null;
  // Staleness: when the last answer came (browser clock), and since when the service has not answered.
  var lastOkAt = null;
  var failedSince = null;


  function readToken() {
    var m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
    if (m) {
      token = decodeURIComponent(m[1]);
      try { sessionStorage.setItem('pve-health-token', token); } catch (e) {}
      history.replaceState(null, '', location.pathname + location.search);
      return;
    }
    try { token = sessionStorage.getItem('pve-health-token'); } catch (e) { token = null; }
  }


  function setLevel(node, level) {
    node.classList.remove('s0', 's1', 's2', 's3');
    node.classList.add('s' + level);
  }

  function renderOverview(doc, v) {
    var svc = doc.service || {};
    $('node').textContent = doc.node ? '\u2014 ' + doc.node : '';
    document.title = 'pve-health ' + (doc.node || '') + ': ' + v.word;
    $('status').textContent = v.word;
    setLevel($('status').parentNode, v.status);
    $('status').title = v.wordWithoutAcks ? v.wordWithoutAcks + ' without the acknowledged findings' : '';
    $('grade').textContent = v.grade;
    setLevel($('grade').parentNode, v.gradeLevel);
    ['critical', 'warning', 'unknown', 'acknowledged', 'new'].forEach(function (k) { $('n-' + k).textContent = String(v.counts[k]); });
    renderScans();
    // The node's verdict first (check's headline), then each part's own line.
    var summary = $('summary');
    clear(summary);
    summary.appendChild(document.createTextNode(v.headline + (v.wordWithoutAcks ? ' \u2014 ' + v.wordWithoutAcks + ' without the ' + v.counts.acknowledged + ' acknowledged.' : '')));
    if (doc.summary) summary.appendChild(el('span', 'meta parts', 'By part: ' + doc.summary));
    $('version').textContent = svc.version ? 'pve-health ' + svc.version + '.' : '';
    var alerts = $('alerts');
    clear(alerts);
    v.parts.forEach(function (part) {
      var p = part.id;
      var r = svc[p];
      var name = p === 'dm' ? 'Device-mapper' : p === 'volumes' ? 'Volumes' : 'Mount';
      if (r && r.overrun) alerts.appendChild(el('li', '', name + ' scan has been running for ' + r.runningForSeconds + ' s (interval ' + r.intervalSeconds + ' s); the data shown is from the previous scan.'));
    });
  }

  // The scans' ages as of now: the server's age at the last answer plus the time since (it keeps ageing
  // while the service does not answer).
  function renderScans() {
    var svc = (lastDoc && lastDoc.service) || {};
    var since = lastOkAt === null ? 0 : (Date.now() - lastOkAt) / 1000;
    var scans = $('scans');
    clear(scans);
    // Led by what the node has (the view's part order): no device-mapper first on a ZFS or Ceph node.
    var parts = (lastDoc && lastDoc.view && lastDoc.view.parts) || [];
    parts.forEach(function (p) {
      var r = svc[p.id];
      if (!r) return;
      scans.appendChild(el('div', '', p.label + ' ' + (r.lastScanAt ? ago(r.ageSeconds + since) : 'first scan running')));
    });
  }

  function clock(ms) { return new Date(ms).toLocaleTimeString(); }

  // No answer: a plain sentence in the warning colours, the data greyed, the title marked; it keeps
  // ageing every second until an answer comes.
  function renderStale() {
    var stale = failedSince !== null;
    document.body.classList.toggle('stale', stale);
    $('stale').hidden = !stale;
    if (!stale) return;
    var text = 'No answer from the service since ' + clock(failedSince) + ' (' + ago((Date.now() - failedSince) / 1000) + ')';
    text += lastOkAt === null ? '; no data yet.' : '; the data below is from ' + clock(lastOkAt) + ' (' + ago((Date.now() - lastOkAt) / 1000) + ') and may be out of date.';
    $('stale').textContent = text;
    if (lastDoc && document.title.indexOf('[no answer] ') !== 0) document.title = '[no answer] ' + document.title;
  }

  function tick() {
    if (lastDoc) renderScans();
    renderStale();
  }

  // One bar per scan, its height the findings that counted, its colour the part's status.
  function renderHistory(h) {
    var ul = $('sparks');
    clear(ul);
    $('history').hidden = !h;
    if (!h) return;
    ((lastDoc && lastDoc.view && lastDoc.view.parts) || []).map(function (x) { return [x.id, x.label]; }).forEach(function (p) {
      var pts = h[p[0]] || [];
      if (!pts.length) return;
      var li = el('li');
      li.appendChild(el('span', '', p[1]));
      var ns = 'http://www.w3.org/2000/svg';
      var svg = document.createElementNS(ns, 'svg');
      svg.setAttribute('class', 'spark');
      svg.setAttribute('viewBox', '0 0 ' + (pts.length * 6) + ' 30');
      svg.setAttribute('preserveAspectRatio', 'none');
      svg.setAttribute('role', 'img');
      var max = Math.max.apply(null, pts.map(function (x) { return x.critical + x.warning + x.unknown; }).concat([1]));
      pts.forEach(function (x, i) {
        var n = x.critical + x.warning + x.unknown;
        var r = document.createElementNS(ns, 'rect');
        var hgt = Math.max(3, Math.round(28 * n / max));
        r.setAttribute('x', String(i * 6));
        r.setAttribute('y', String(30 - hgt));
        r.setAttribute('width', '5');
        r.setAttribute('height', String(hgt));
        r.setAttribute('class', 'b' + x.status);
        svg.appendChild(r);
      });
      var last = pts[pts.length - 1];
      var words = STATUS_WORDS;
      var text = p[1] + ', last ' + pts.length + ' scans: now ' + words[last.status] + ' (' + last.critical + ' critical, ' + last.warning + ' warning' + (last.unknown ? ', ' + last.unknown + ' unknown' : '') + ')' +
        (pts.length > 1 ? '; before: ' + pts.slice(0, -1).slice(-5).map(function (x) { return words[x.status]; }).join(', ') : '');
      svg.setAttribute('aria-label', text);
      li.appendChild(svg);
      li.appendChild(el('span', 'meta', words[last.status] + ' \u00b7 ' + last.critical + ' crit \u00b7 ' + last.warning + ' warn' + (last.acknowledged ? ' \u00b7 ' + last.acknowledged + ' ack' : '')));
      ul.appendChild(li);
    });
  }

  function renderNotes(v) {
    var ul = $('notes');
    clear(ul);
    v.notes.forEach(function (n) { ul.appendChild(el('li', '', n)); });
    $('notes-section').hidden = v.notes.length === 0;
  }

${DASHBOARD_CLUSTER_JS}
  function render(doc) {
    lastDoc = doc;
    var v = doc.view;
    renderOverview(doc, v);
    renderHistory(doc.history);
    renderFindings(v);
    renderGuests(v, doc);
    renderMounts(v, doc);
    renderQuarantine(v);
    renderNotes(v);
    document.body.setAttribute('data-loaded', doc.generatedAt || 'yes');
  }

  function load() {
    var headers = { Accept: 'application/json' };
    if (token) headers.Authorization = 'Bearer ' + token;
    // The summary: the view and each part's status (the full document stays at api/status); gzipped.
    return fetch('api/summary', { headers: headers, cache: 'no-store' }).then(function (r) {
      if (r.status === 401) {
        $('auth').hidden = false;
        say(token ? 'The token was not accepted.' : 'This service needs an API token.');
        return null;
      }
      if (!r.ok) throw new Error('HTTP ' + r.status);
      $('auth').hidden = true;
      return r.json();
    }).then(function (doc) {
      if (!doc) return;
      lastOkAt = Date.now();
      failedSince = null;
      render(doc);
      renderStale();
      loadCluster(doc.service && doc.service.cluster, headers);
      // The service has just started: say so, and look again soon rather than at the next refresh.
      var svc = doc.service || {};
      var first = ['dm', 'mounts', 'volumes'].filter(function (p) { return svc[p] && svc[p].scans === 0; });
      if (first.length) setTimeout(load, 2000);
      if (first.length) say('First scan running (' + first.join(', ') + '): the results follow in a moment.');
      else if (/^(The token|This service|Could not|First scan)/.test($('message').textContent)) say('');
    }).catch(function () {
      if (failedSince === null) failedSince = Date.now();
      renderStale();
    });
  }

  function schedule() {
    if (timer) clearInterval(timer);
    timer = $('auto').checked ? setInterval(function () { if (!document.hidden) load(); }, REFRESH_MS) : null;
  }

  function toggle(id, table) {
    $(id).addEventListener('click', function () {
      $(table).classList.toggle('all');
      if (lastDoc) render(lastDoc);
    });
  }

  document.addEventListener('DOMContentLoaded', function () {
    readToken();
    $('refresh').addEventListener('click', load);
    $('auto').addEventListener('change', schedule);
    $('q').addEventListener('input', function () { if (lastDoc) renderFindings(lastDoc.view); });
    $('group').addEventListener('change', function () { if (lastDoc) renderFindings(lastDoc.view); });
    toggle('guests-more', 'guests');
    toggle('mounts-more', 'mounts');
    $('auth').addEventListener('submit', function (ev) {
      ev.preventDefault();
      token = $('token').value;
      try { sessionStorage.setItem('pve-health-token', token); } catch (e) {}
      $('token').value = '';
      load();
    });
    load();
    schedule();
    setInterval(tick, 1000);
  });
`;

// The status words (history, cluster section) and the monitoring order (tables worst first, findings
// grouped by severity) are the core's tables, written into the script: the page has no copy of its own.
const WORST_FIRST = ([0, 1, 2, 3] as Status[]).sort((a, b) => SEVERITY_RANK[b] - SEVERITY_RANK[a]);
const WORDS_JS = [
  `var STATUS_WORDS = ${JSON.stringify(([0, 1, 2, 3] as const).map((s) => STATUS_WORD[s]))};`,
  `var SEVERITY_RANK = ${JSON.stringify(SEVERITY_RANK)};`,
  // The findings' severity groups in that order; PENDING (explained) after them.
  `var SEVERITY_ORDER = ${JSON.stringify(Object.fromEntries([...WORST_FIRST.map((s) => STATUS_WORD[s]), 'PENDING'].map((w, i) => [w, i])))};`,
].join('\n');

export const DASHBOARD_JS = `'use strict';\n(function () {\n${WORDS_JS}\n${DOM_JS}\n${MAIN_JS}\n${TABLES_JS}\n${FINDINGS_JS}\n})();\n`;
