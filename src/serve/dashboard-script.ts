// The dashboard's script, served as /dashboard.js. Plain ES2017 that every browser of the last years
// runs, no framework, no build step. Every value from the API goes into the page through
// textContent or an attribute, never innerHTML: guest names and mount paths are user-controlled.
// (Written without template literals so it can live inside this TypeScript string.)
import { DASHBOARD_CLUSTER_JS } from './dashboard-cluster-script';

export const DASHBOARD_JS = String.raw`
'use strict';
(function () {
  var REFRESH_MS = 10000;
  var STATUS = ['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'];
  var ISSUE_STATUSES = { orphan: 1, duplicate: 2, unknown: 3 };
  var MAP_FINDINGS = { suspended: 1, 'no-table': 1, 'error-target': 1 };
  var token = null;
  var timer = null;

  function $(id) { return document.getElementById(id); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  function say(text) { $('message').textContent = text || ''; }

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

  function bytes(n) {
    if (n === null || n === undefined) return '?';
    var units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
    var i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return (i === 0 ? String(n) : n.toFixed(n >= 100 ? 0 : 1)) + ' ' + units[i];
  }

  function ago(seconds) {
    if (seconds === null || seconds === undefined) return '';
    if (seconds < 90) return Math.round(seconds) + ' s ago';
    if (seconds < 5400) return Math.round(seconds / 60) + ' min ago';
    return Math.round(seconds / 3600) + ' h ago';
  }

  function clock(iso) {
    if (!iso) return 'not yet';
    var d = new Date(iso);
    return isNaN(d.getTime()) ? String(iso) : d.toLocaleTimeString();
  }

  // POSIX shell quoting, so a copied command pastes as the exact argv the tool would run.
  function shellQuote(argv) {
    return argv.map(function (a) {
      a = String(a);
      return /^[A-Za-z0-9_\-.\/=:,+@%]+$/.test(a) ? a : "'" + a.replace(/'/g, "'\\''") + "'";
    }).join(' ');
  }

  function copy(text, what) {
    function done() { say('Copied: ' + what); }
    function fallback() {
      var t = document.createElement('textarea');
      t.value = text;
      t.setAttribute('readonly', '');
      t.style.position = 'fixed';
      t.style.opacity = '0';
      document.body.appendChild(t);
      t.select();
      var ok = false;
      try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
      document.body.removeChild(t);
      if (ok) done(); else say('Copy failed: select the command and copy it by hand.');
    }
    if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(text).then(done, fallback);
    else fallback();
  }

  function setStatusClass(node, status) {
    node.classList.remove('s0', 's1', 's2', 's3');
    node.classList.add('s' + status);
  }

  function statusTag(status, label) {
    var t = el('span', 'tag s' + status, label);
    return t;
  }

  function mountLevel(m) {
    if (typeof m.severity === 'number') return m.severity;
    return m.status === 'stale' || m.status === 'missing' ? 2 : (m.status === 'readonly' || m.status === 'full') ? 1 : 0;
  }
  var FINDING_LEVEL = { critical: 2, warning: 1, info: 0 };
  function healthLevel(h) { return h === 'duplicates' ? 2 : h === 'orphans' ? 1 : h === 'unknown' ? 3 : 0; }

  function isIssue(e) {
    return ISSUE_STATUSES[e.status] !== undefined || MAP_FINDINGS[e.reason] !== undefined;
  }

  function renderOverview(doc) {
    var dm = doc.dm, svc = doc.service || {};
    $('node').textContent = doc.node ? '— ' + doc.node : '';
    document.title = 'pve-health ' + (doc.node || '') + ': ' + (STATUS[doc.status] || '?');
    var grade = $('grade');
    // A part that could not be checked has no grade: never show the counts of a failed scan as healthy.
    var dmKnown = dm && !dm.error;
    grade.textContent = dmKnown ? dm.summary.grade : '?';
    var gradeLevel = !dmKnown ? 3 : dm.summary.duplicate > 0 || dm.summary.grade === 'F' ? 2 : dm.summary.grade === 'A+' ? 0 : 1;
    setStatusClass(grade.parentNode, gradeLevel);
    var st = $('status');
    st.textContent = STATUS[doc.status] || String(doc.status);
    setStatusClass(st.parentNode, doc.status);
    $('score').textContent = dmKnown ? dm.summary.score + ' / 100' : '?';
    var badMounts = doc.mounts ? doc.mounts.entries.filter(function (m) { return m.status !== 'ok'; }).length : 0;
    $('issue-count').textContent = String(issueItems(doc).length);
    $('guest-count').textContent = dm ? String(dm.guests.length) : '?';
    $('mount-count').textContent = doc.mounts ? doc.mounts.entries.length + (badMounts ? ' (' + badMounts + ' not ok)' : '') : '?';
    scanCell($('dm-scan'), svc.dm);
    scanCell($('mounts-scan'), svc.mounts);
    $('summary').textContent = doc.summary || '';
    $('version').textContent = svc.version ? 'pve-health ' + svc.version + '.' : '';
    var alerts = $('alerts');
    clear(alerts);
    ['dm', 'mounts'].forEach(function (p) {
      var r = svc[p];
      if (!r) return;
      var name = p === 'dm' ? 'Device-mapper' : 'Mount';
      if (r.overrun) alerts.appendChild(el('li', '', name + ' scan has been running for ' + r.runningForSeconds + ' s (interval ' + r.intervalSeconds + ' s); the data shown is from the previous scan.'));
    });
    partErrors(doc).forEach(function (p) { alerts.appendChild(el('li', '', 'Could not check ' + p.label + ': ' + p.error)); });
  }

  function scanCell(node, r) {
    clear(node);
    if (!r) { node.textContent = '—'; return; }
    node.appendChild(el('span', '', clock(r.lastScanAt)));
    if (r.ageSeconds !== null) node.appendChild(el('span', 'meta', ' (' + ago(r.ageSeconds) + ')'));
    if (r.running && r.overrun) node.appendChild(el('div', 'tag s2', 'running ' + r.runningForSeconds + ' s'));
  }

  function partErrors(doc) {
    var out = [];
    if (doc.dm && doc.dm.error) out.push({ label: 'device-mapper', error: doc.dm.error });
    if (doc.mounts && typeof doc.mounts.error === 'string') out.push({ label: 'mounts', error: doc.mounts.error });
    if (doc.volumes && doc.volumes.error) out.push({ label: 'guest volumes', error: doc.volumes.error });
    return out;
  }

  function issueItems(doc) {
    var items = partErrors(doc).map(function (p) { return { level: 3, x: p }; });
    if (doc.dm) doc.dm.entries.filter(isIssue).forEach(function (e) { items.push({ level: e.status === 'duplicate' ? 2 : e.status === 'unknown' ? 3 : 1, e: e }); });
    if (doc.mounts) doc.mounts.entries.forEach(function (m) { if (m.status !== 'ok') items.push({ level: mountLevel(m), m: m }); });
    if (doc.dm && doc.dm.storage) doc.dm.storage.forEach(function (f) { if (f.severity !== 'info') items.push({ level: FINDING_LEVEL[f.severity] || 1, f: f }); });
    if (doc.volumes) doc.volumes.entries.forEach(function (v) { if (v.status === 'orphan' || v.status === 'unknown') items.push({ level: v.status === 'unknown' ? 3 : 1, v: v }); });
    // Worst first: CRITICAL, UNKNOWN, WARNING.
    items.sort(function (a, b) { return (b.level === 3 ? 1.5 : b.level) - (a.level === 3 ? 1.5 : a.level); });
    return items;
  }

  function renderIssues(doc) {
    var list = $('issues');
    clear(list);
    var items = issueItems(doc);
    $('issues-empty').hidden = items.length > 0;
    items.forEach(function (it) {
      list.appendChild(it.x ? partIssue(it.x) : it.e ? dmIssue(it.e, it.level) : it.m ? mountIssue(it.m, it.level) : it.v ? volumeIssue(it.v, it.level) : storageIssue(it.f, it.level));
    });
  }

  function partIssue(p) {
    var li = el('li');
    var head = el('div', 'issue-head');
    head.appendChild(statusTag(3, 'UNKNOWN'));
    head.appendChild(el('span', 'issue-name', 'Could not check ' + p.label));
    li.appendChild(head);
    li.appendChild(el('p', 'issue-detail', p.error));
    return li;
  }

  // An entry's list item with its head (status, name, reason, pending/protected) and detail.
  function entryItem(level, word, name, x) {
    var li = el('li');
    var head = el('div', 'issue-head');
    head.appendChild(statusTag(level, word));
    head.appendChild(el('span', 'issue-name', name));
    head.appendChild(el('span', 'meta', x.reason));
    if (x.pending) head.appendChild(el('span', 'tag s3', 'pending'));
    if (x.protected) head.appendChild(el('span', 'tag s3', 'protected' + (x.protectedBy && x.protectedBy.length ? ': ' + x.protectedBy.join(', ') : '')));
    li.appendChild(head);
    if (x.detail) li.appendChild(el('p', 'issue-detail', x.detail));
    return li;
  }

  function dmIssue(e, level) {
    var li = entryItem(level, e.status, e.name, e);
    var meta = [];
    if (e.vmid !== null && e.vmid !== undefined) meta.push('VMID ' + e.vmid);
    if (e.storage) meta.push('storage ' + e.storage);
    if (e.volume) meta.push(e.volume);
    if (e.sizeBytes) meta.push(bytes(e.sizeBytes));
    if (e.open) meta.push('open (' + e.openCount + ')');
    if (meta.length) li.appendChild(el('p', 'meta', meta.join(' · ')));
    if (e.action && e.action.command && e.action.command.length) {
      li.appendChild(fixLine(shellQuote(e.action.command), e.name));
      if (e.action.effect) li.appendChild(el('p', 'meta', e.action.effect));
    } else {
      li.appendChild(el('p', 'meta', e.protected ? 'No fix offered while it is protected.' : 'No automatic fix.'));
    }
    if (e.hint) li.appendChild(el('p', 'meta', e.hint));
    return li;
  }

  function mountIssue(m, level) {
    var li = el('li');
    var head = el('div', 'issue-head');
    head.appendChild(statusTag(level, 'mount ' + m.status));
    head.appendChild(el('span', 'issue-name', (m.scope === 'ct' ? 'CT ' + m.ctid + ': ' : '') + m.target));
    if (m.storage) head.appendChild(el('span', 'meta', 'storage ' + m.storage));
    li.appendChild(head);
    if (m.reason) head.appendChild(el('span', 'meta', m.reason));
    var why = m.detail || m.error || (m.status === 'full' ? 'usage ' + m.usagePercent + ' %' : m.status === 'readonly' ? 'mounted read-only' : '');
    if (why) li.appendChild(el('p', 'issue-detail', why));
    var what = [m.source, m.fstype ? '(' + m.fstype + ')' : ''].filter(Boolean).join(' ');
    if (what) li.appendChild(el('p', 'meta', what));
    return li;
  }

  // An orphaned or unknown guest volume (ZFS, Ceph RBD, image file): report only, the hint names the PVE command.
  function volumeIssue(v, level) {
    var li = entryItem(level, 'volume ' + v.status, v.volid + (v.snapshot ? '@' + v.snapshot : ''), v);
    var meta = [];
    if (v.vmid !== null && v.vmid !== undefined) meta.push('VMID ' + v.vmid);
    meta.push('storage ' + v.storage + ' (' + v.type + ')');
    if (v.sizeBytes) meta.push(bytes(v.sizeBytes));
    if (v.holders && v.holders.length) meta.push('held by ' + v.holders.map(function (h) { return h.command + ' (' + h.pid + ')'; }).join(', '));
    li.appendChild(el('p', 'meta', meta.join(' · ')));
    if (v.hint) li.appendChild(el('p', 'meta', v.hint));
    return li;
  }

  // A copyable command line; the button's name says what it copies (screen readers list many buttons).
  function fixLine(cmd, what) {
    var fix = el('div', 'fix');
    fix.appendChild(el('code', '', cmd));
    var b = el('button', '', 'Copy');
    b.type = 'button';
    b.setAttribute('aria-label', 'Copy fix command for ' + what);
    b.addEventListener('click', function () { copy(cmd, cmd); });
    fix.appendChild(b);
    return fix;
  }

  function storageIssue(f, level) {
    var li = el('li');
    var head = el('div', 'issue-head');
    head.appendChild(statusTag(level, f.severity));
    head.appendChild(el('span', 'issue-name', f.title));
    head.appendChild(el('span', 'meta', f.kind));
    li.appendChild(head);
    if (f.detail) li.appendChild(el('p', 'issue-detail', f.detail));
    (f.fix || []).forEach(function (line) {
      if (/^#/.test(line)) li.appendChild(el('p', 'meta', line.replace(/^#\s*/, '')));
      else li.appendChild(fixLine(line, f.title));
    });
    return li;
  }

  function renderGuests(doc) {
    var body = $('guests').tBodies[0];
    clear(body);
    var guests = doc.dm ? doc.dm.guests.slice() : [];
    guests.sort(function (a, b) { return healthLevel(b.health) - healthLevel(a.health) || a.vmid - b.vmid; });
    guests.forEach(function (g) {
      var tr = el('tr');
      tr.appendChild(el('td', 'num', g.vmid));
      tr.appendChild(el('td', '', g.name));
      tr.appendChild(el('td', '', g.type === 'lxc' ? 'CT' : 'VM'));
      tr.appendChild(el('td', '', g.node));
      tr.appendChild(el('td', '', g.status + (g.lock ? ' (lock: ' + g.lock + ')' : '')));
      var h = el('td');
      h.appendChild(statusTag(healthLevel(g.health), g.health));
      tr.appendChild(h);
      tr.appendChild(el('td', 'num', g.issues));
      tr.appendChild(el('td', 'num', g.volumes));
      body.appendChild(tr);
    });
    if (!guests.length) emptyRow(body, 8, doc.dm ? 'No guests.' : 'No device-mapper scan yet.');
  }

  function renderMounts(doc) {
    var body = $('mounts').tBodies[0];
    clear(body);
    var mounts = doc.mounts ? doc.mounts.entries : [];
    mounts.forEach(function (m) {
      var tr = el('tr');
      tr.appendChild(el('td', '', m.scope === 'ct' ? 'CT ' + m.ctid : 'host'));
      tr.appendChild(el('td', 'path', m.target));
      tr.appendChild(el('td', '', m.source));
      tr.appendChild(el('td', '', m.fstype));
      tr.appendChild(el('td', '', m.storage || ''));
      var s = el('td');
      s.appendChild(statusTag(mountLevel(m), m.status));
      if (m.error) s.appendChild(el('div', 'meta', m.error));
      tr.appendChild(s);
      tr.appendChild(capacityCell(m));
      body.appendChild(tr);
    });
    if (!mounts.length) emptyRow(body, 7, doc.mounts ? 'No remote mounts.' : 'No mount scan yet.');
  }

  function emptyRow(body, columns, text) {
    var tr = el('tr');
    var td = el('td', '', text);
    td.colSpan = columns;
    tr.appendChild(td);
    body.appendChild(tr);
  }

  function capacityCell(m) {
    var td = el('td');
    if (m.usagePercent === null || m.usagePercent === undefined) {
      td.textContent = m.status === 'missing' ? 'not mounted' : m.reachable === false ? 'unreachable' : 'unknown';
      return td;
    }
    var pct = Math.max(0, Math.min(100, Number(m.usagePercent)));
    var wrap = el('div', 'cap');
    var bar = el('div', 'bar' + (m.status === 'full' ? ' crit' : pct >= 80 ? ' warn' : ''));
    bar.setAttribute('role', 'meter');
    bar.setAttribute('aria-valuemin', '0');
    bar.setAttribute('aria-valuemax', '100');
    bar.setAttribute('aria-valuenow', String(Math.round(pct)));
    bar.setAttribute('aria-label', 'Usage of ' + m.target);
    var fill = el('span');
    fill.style.width = pct + '%';
    bar.appendChild(fill);
    wrap.appendChild(bar);
    wrap.appendChild(el('span', '', Math.round(pct) + ' % of ' + bytes(m.totalBytes) + ', ' + bytes(m.availableBytes) + ' free'));
    td.appendChild(wrap);
    return td;
  }

  function renderNotes(doc) {
    var notes = [];
    if (doc.dm && doc.dm.vmidReuse && doc.dm.vmidReuse.messages) notes = notes.concat(doc.dm.vmidReuse.messages);
    if (doc.dm && doc.dm.warnings) notes = notes.concat(doc.dm.warnings);
    var ul = $('notes');
    clear(ul);
    notes.forEach(function (n) { ul.appendChild(el('li', '', n)); });
    $('notes-section').hidden = notes.length === 0;
  }

${DASHBOARD_CLUSTER_JS}
  function render(doc) {
    renderOverview(doc);
    renderIssues(doc);
    renderGuests(doc);
    renderMounts(doc);
    renderNotes(doc);
    document.body.setAttribute('data-loaded', doc.generatedAt || 'yes');
  }

  function load() {
    var headers = { Accept: 'application/json' };
    if (token) headers.Authorization = 'Bearer ' + token;
    return fetch('api/status', { headers: headers, cache: 'no-store' }).then(function (r) {
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
      render(doc);
      loadCluster(doc.service && doc.service.cluster, headers);
      // The service has just started: look again soon rather than at the next refresh.
      if (!doc.dm || !doc.mounts) setTimeout(load, 2000);
      if (/^(The token|This service|Could not)/.test($('message').textContent)) say('');
    }).catch(function (e) {
      say('Could not reach the service: ' + e.message + '. Showing the last data.');
    });
  }

  function schedule() {
    if (timer) clearInterval(timer);
    timer = $('auto').checked ? setInterval(function () { if (!document.hidden) load(); }, REFRESH_MS) : null;
  }

  document.addEventListener('DOMContentLoaded', function () {
    readToken();
    $('refresh').addEventListener('click', load);
    $('auto').addEventListener('change', schedule);
    $('auth').addEventListener('submit', function (ev) {
      ev.preventDefault();
      token = $('token').value;
      try { sessionStorage.setItem('pve-health-token', token); } catch (e) {}
      $('token').value = '';
      load();
    });
    load();
    schedule();
  });
})();
`;
