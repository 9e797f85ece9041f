// The dashboard's guest, mount and quarantine tables, part of /dashboard.js: spliced into the script's scope, so
// it uses its helpers ($, el, clear, guestLink, breakable...) and the core's SEVERITY_RANK. Rows, capacity bars and the "show more"
// toggles; every value goes in through textContent. Plain ES2017 without template literals.
export const TABLES_JS = String.raw`
  function cell(tr, label, cls, content) {
    var td = el('td', cls);
    td.setAttribute('data-label', label);
    if (content && content.nodeType) td.appendChild(content); else if (content !== undefined) td.textContent = String(content);
    tr.appendChild(td);
    return td;
  }

  // what: [singular, plural] ("Show the healthy mount", "Show the 3 healthy mounts").
  function moreButton(id, table, n, what) {
    var b = $(id);
    b.hidden = n === 0;
    var all = table.classList.contains('all');
    var noun = n === 1 ? 'the healthy ' + what[0] : 'the ' + n + ' healthy ' + what[1];
    b.textContent = (all ? 'Hide ' : 'Show ') + noun;
    b.setAttribute('aria-expanded', String(all));
  }

  function renderGuests(v, doc) {
    var table = $('guests');
    var body = table.tBodies[0];
    clear(body);
    var guests = v.guests.slice().sort(function (a, b) { return rank(b.level) - rank(a.level) || a.vmid - b.vmid; });
    guests.forEach(function (g) {
      var tr = el('tr', g.level === 0 ? 'healthy' : '');
      cell(tr, 'Health', 'nl', el('span', 'tag s' + g.level, g.health));
      cell(tr, 'Guest', 'nl', g.gui ? guestLink(g) : document.createTextNode(guestLabel(g)));
      cell(tr, 'Issues', 'num', g.issues);
      cell(tr, 'State', '', g.state);
      cell(tr, 'Node', '', g.node);
      cell(tr, 'Volumes', 'num', g.volumes);
      body.appendChild(tr);
    });
    // Before every part has scanned once, no guest listed is not "no guests": say that the scan runs.
    var svc = doc.service || {};
    var first = v.parts.filter(function (p) { return svc[p.id] && svc[p.id].scans === 0; });
    if (!guests.length) emptyRow(body, 6, first.length ? 'First scan running: the guests follow when it has finished.' : 'No guests on this node.');
    moreButton('guests-more', table, guests.filter(function (g) { return g.level === 0; }).length, ['guest', 'guests']);
  }

  function rank(level) { return SEVERITY_RANK[level]; }

  function renderMounts(v, doc) {
    var table = $('mounts');
    var body = table.tBodies[0];
    clear(body);
    var mounts = v.mounts.slice().sort(function (a, b) { return rank(b.level) - rank(a.level); });
    mounts.forEach(function (m) {
      var tr = el('tr', m.level === 0 ? 'healthy' : '');
      var s = cell(tr, 'Status', 'nl', el('span', 'tag s' + m.level, m.status));
      // The long explanation is the finding's; a short one (stat did not answer within 2 s) fits here.
      if (m.level && m.detail && m.detail.length <= 80) s.appendChild(el('div', 'meta', m.detail));
      cell(tr, 'Capacity', 'nl', capacity(m));
      var where = el('span', 'path');
      where.appendChild(document.createTextNode(m.where === 'host' ? '' : m.where + ': '));
      where.appendChild(breakable(m.target));
      cell(tr, 'Mount', 'nl wide', where);
      cell(tr, 'Storage', '', m.storage || '\u2014');
      var src = el('span', 'path');
      src.appendChild(breakable(m.source || '\u2014'));
      if (m.fstype) src.appendChild(el('span', 'meta', ' ' + m.fstype));
      cell(tr, 'Source', 'wide', src);
      body.appendChild(tr);
    });
    if (!mounts.length) emptyRow(body, 5, doc.mounts ? 'No remote mounts.' : 'No mount scan yet.');
    moreButton('mounts-more', table, mounts.filter(function (m) { return m.level === 0; }).length, ['mount', 'mounts']);
  }

  // What reclaim set aside (the server's rows: readable dates, both size figures, each volume's commands).
  function renderQuarantine(v) {
    var q = v.quarantine;
    $('quarantine-section').hidden = !q;
    var body = $('quarantine').tBodies[0];
    clear(body);
    if (!q) return;
    $('quarantine-heading').textContent = q.heading;
    q.rows.forEach(function (r) {
      var tr = el('tr');
      // The name and where it is held are two blocks side by side in the cell, not one path: a path
      // runs on to the next line only where it may break.
      var vol = el('div');
      var name = el('span', 'path');
      name.appendChild(breakable(r.volid));
      vol.appendChild(name);
      var where = el('div', 'meta');
      where.appendChild(document.createTextNode('held as '));
      where.appendChild(breakable(r.where));
      vol.appendChild(where);
      cell(tr, 'Volume', 'wide', vol);
      cell(tr, 'Storage', '', r.storage);
      cell(tr, 'Quarantined at', '', r.since);
      var due = el('span', '', r.purgeAfter);
      if (r.due && !r.held) { due.appendChild(document.createTextNode(' ')); due.appendChild(el('span', 'tag s1', 'due')); }
      cell(tr, 'Due for purge at', '', due);
      cell(tr, 'Size', '', r.size);
      var cmds = el('div');
      cmds.appendChild(el('p', 'meta', r.restore.exact ? 'Restore (renames it back):' : 'Restore: this lists the journal that renames it back:'));
      cmds.appendChild(fixLine(r.restore.command, 'Copy restore command for ' + r.volid));
      // A guest config of another node names it (render/quarantine.ts heldOf): the look, never the purge.
      if (r.held) {
        cmds.appendChild(el('p', 'meta', r.held.text + ':'));
        cmds.appendChild(fixLine(r.held.command, 'Copy the look at the other node for ' + r.volid));
      } else if (r.purge) {
        cmds.appendChild(el('p', 'meta step-drop', 'Purge (irreversible: deletes the data):'));
        cmds.appendChild(fixLine(r.purge, 'Copy purge command (irreversible) for ' + r.volid));
      } else cmds.appendChild(el('p', 'meta', 'Purge refuses it before ' + r.purgeAfter + '.'));
      cell(tr, 'Commands', 'wide', cmds);
      body.appendChild(tr);
    });
  }

  function emptyRow(body, columns, text) {
    var tr = el('tr');
    var td = el('td', '', text);
    td.colSpan = columns;
    tr.appendChild(td);
    body.appendChild(tr);
  }

  function capacity(m) {
    if (m.percent === null) return el('span', m.level ? '' : 'meta', m.capacity);
    var wrap = el('div', 'cap');
    // Coloured by usage and status together (the server's capacityLevel): a full or read-only
    // filesystem is never a green bar.
    var bar = el('div', 'bar ' + ['ok', 'warn', 'crit', 'unk'][m.capacityLevel]);
    bar.setAttribute('role', 'meter');
    bar.setAttribute('aria-valuemin', '0');
    bar.setAttribute('aria-valuemax', '100');
    bar.setAttribute('aria-valuenow', String(Math.round(m.percent)));
    bar.setAttribute('aria-label', 'Usage of ' + m.target);
    var fill = el('span');
    fill.style.width = m.percent + '%';
    bar.appendChild(fill);
    wrap.appendChild(bar);
    wrap.appendChild(el('span', '', m.capacity));
    return wrap;
  }

`;
