// The findings part of the dashboard script (concatenated into /dashboard.js by dashboard-script.ts,
// sharing its scope: el, clear, fixLine, breakable, guestLink, SEVERITY_ORDER). Findings come ready from the server
// (doc.view.findings, src/render/dashboard-view.ts); here they are only grouped, filtered and laid
// out. Acknowledged and pending ones are grouped apart and collapsed: they do not count.

export const FINDINGS_JS = String.raw`
  var openDetails = {};

  function groupOf(f, by) {
    if (f.acknowledged) return { id: 'z-ack', label: 'Acknowledged (not counted)', collapsed: true };
    if (f.pending) return { id: 'y-pending', label: 'Pending: a running task explains them', collapsed: true };
    if (by === 'guest') {
      if (!f.guest) return { id: 'x-node', label: 'Node and storage (no guest)' };
      var g = f.guest;
      return { id: 'g' + String(100000000 + g.vmid), label: (g.type || 'Guest') + ' ' + g.vmid + (g.name ? ' ' + g.name : ''), guest: g };
    }
    if (by === 'kind') return { id: 'k-' + f.part + '-' + f.kind, label: f.part === 'mounts' ? 'mount ' + f.kind : f.kind };
    // Advice about the next guest: right after the findings of its severity, apart (it does not count).
    if (f.advice) return { id: 's' + SEVERITY_ORDER[f.word] + '-advice', label: f.word + ': before the next guest is created', level: f.level };
    return { id: 's' + SEVERITY_ORDER[f.word], label: f.word, level: f.level };
  }

  // Worst first, whatever the grouping (a guest with a critical finding above one with a warning);
  // acknowledged and pending groups last; ties in the grouping's own order (severity, VMID, kind).
  function groupRank(grp) {
    if (grp.g.collapsed) return -1;
    return Math.max.apply(null, grp.items.map(function (f) { return f.acknowledged || f.pending ? -1 : SEVERITY_RANK[f.level]; }));
  }

  function matches(f, q) {
    if (!q) return true;
    var g = f.guest || {};
    var hay = [f.title, f.dmName, f.volume, f.storage, f.kind, f.word, f.explanation, f.detail, f.key,
      g.vmid, g.name, g.type && g.vmid ? g.type + ' ' + g.vmid : ''].join(' ').toLowerCase();
    return q.toLowerCase().split(/\s+/).every(function (w) { return hay.indexOf(w) >= 0; });
  }

  function renderFindings(view) {
    var box = $('issues');
    // Keep what the reader opened across the 10 s refresh.
    Array.prototype.forEach.call(box.querySelectorAll('details[data-key]'), function (d) { openDetails[d.getAttribute('data-key')] = d.open; });
    clear(box);
    var by = $('group').value;
    var q = $('q').value.trim();
    var groups = {};
    var order = [];
    var shown = 0;
    view.findings.forEach(function (f) {
      if (!matches(f, q)) return;
      shown++;
      var g = groupOf(f, by);
      if (!groups[g.id]) { groups[g.id] = { g: g, items: [] }; order.push(g.id); }
      groups[g.id].items.push(f);
    });
    order.sort(function (a, b) { return groupRank(groups[b]) - groupRank(groups[a]) || (a < b ? -1 : a > b ? 1 : 0); });
    order.forEach(function (id) { box.appendChild(groupBlock(groups[id])); });
    var total = view.findings.length;
    $('shown').textContent = q ? '(' + shown + ' of ' + total + ' shown)' : '(' + total + ')';
    $('issues-empty').hidden = total > 0;
  }

  function groupBlock(grp) {
    var g = grp.g;
    var sec = el('section', 'group');
    var h = el('h3');
    if (g.level !== undefined) h.appendChild(el('span', 'tag s' + g.level, g.label));
    else if (g.guest && g.guest.gui) h.appendChild(guestLink(g.guest, g.label));
    else h.appendChild(document.createTextNode(g.label));
    h.appendChild(el('span', 'meta', ' ' + grp.items.length));
    var list = el('ul', 'findings');
    grp.items.forEach(function (f) { list.appendChild(findingItem(f)); });
    if (g.collapsed) {
      var d = el('details', 'more-info');
      d.setAttribute('data-key', 'group:' + g.id);
      d.open = Boolean(openDetails['group:' + g.id]);
      var s = el('summary');
      s.appendChild(h);
      d.appendChild(s);
      d.appendChild(list);
      sec.appendChild(d);
    } else {
      sec.appendChild(h);
      sec.appendChild(list);
    }
    return sec;
  }

  function findingItem(f) {
    var li = el('li', 'finding l' + f.level + (f.acknowledged ? ' acked' : '') + (f.pending ? ' pending' : ''));
    li.setAttribute('data-key', f.key);
    var head = el('div', 'f-head');
    head.appendChild(el('span', 'tag s' + (f.pending ? 3 : f.level), f.word));
    head.appendChild(el('span', 'tag kind', f.kind));
    if (f.isNew) head.appendChild(el('span', 'tag new', 'new'));
    if (f.acknowledged) head.appendChild(el('span', 'tag s0', 'acknowledged'));
    var title = el('span', 'f-title');
    title.appendChild(breakable(f.title));
    head.appendChild(title);
    li.appendChild(head);
    var sub = el('p', 'f-sub');
    var bits = [];
    if (f.guest) bits.push(f.guest.gui ? guestLink(f.guest) : document.createTextNode(guestLabel(f.guest)));
    if (f.storage) {
      // The storage, linked to its page in the PVE GUI (its content, its usage).
      var st = el('span');
      st.appendChild(document.createTextNode('storage '));
      if (f.storageGui) {
        var a = el('a', '', f.storage);
        a.href = guiBase() + f.storageGui;
        a.rel = 'noreferrer';
        a.title = 'Open storage ' + f.storage + ' in the Proxmox VE web interface';
        st.appendChild(a);
      } else st.appendChild(document.createTextNode(f.storage));
      bits.push(st);
    }
    if (f.size) bits.push(document.createTextNode(f.size));
    bits.push(document.createTextNode(f.explanation));
    bits.forEach(function (b, i) { if (i) sub.appendChild(document.createTextNode(' \u00b7 ')); sub.appendChild(b); });
    li.appendChild(sub);
    if (f.acknowledged) li.appendChild(el('p', 'meta', 'Acknowledged until ' + when(f.acknowledged.until) + ': ' + f.acknowledged.reason));
    if (f.advice) li.appendChild(el('p', 'meta', 'Not counted: the leftover behind it is a finding of its own.'));
    else li.appendChild(moreInfo(f));
    return li;
  }

  function moreInfo(f) {
    var d = el('details', 'more-info');
    d.setAttribute('data-key', f.key);
    d.open = Boolean(openDetails[f.key]);
    d.appendChild(el('summary', '', f.fix ? 'Details and fix' : f.steps.length ? 'Details and next steps' : 'Details'));
    if (f.detail) d.appendChild(el('p', '', f.detail));
    if (f.dmName) {
      var p = el('p', 'meta', 'device-mapper name: ');
      var c = el('span', 'mono');
      c.appendChild(breakable(f.dmName));
      p.appendChild(c);
      d.appendChild(p);
    }
    if (f.protectedBy.length) d.appendChild(el('p', 'meta', (f.pending ? 'Pending: ' : 'Protected: ') + f.protectedBy.join(', ')));
    if (f.fix) {
      f.fix.split('\n').forEach(function (line) {
        if (/^#/.test(line)) d.appendChild(el('p', 'meta', line.replace(/^#\s*/, '')));
        else d.appendChild(fixLine(line, 'Copy fix command for ' + f.title));
      });
      if (f.effect) d.appendChild(el('p', 'meta', f.effect));
    } else if (f.part === 'dm') {
      d.appendChild(
        el('p', 'meta', f.protectedBy.length ? (f.hint || f.steps.length ? 'No fix while it is protected. What makes it safe:' : 'No fix while it is protected.') : f.steps.length ? 'No automatic fix. Next steps:' : 'No automatic fix.'),
      );
    }
    // Each step's words, then its command with a Copy button; a step that deletes data says so in red.
    f.steps.forEach(function (s) {
      if (s.text) d.appendChild(el('p', s.irreversible ? 'meta step-drop' : 'meta', s.text + (s.command ? ':' : '')));
      if (s.command) d.appendChild(fixLine(s.command, (s.kind === 'keep' ? 'Copy keep command for ' : s.kind === 'reclaim' ? 'Copy reclaim command (reversible) for ' : s.kind === 'drop' ? 'Copy drop command (irreversible) for ' : 'Copy command for ') + f.title));
    });
    if (f.hint) d.appendChild(el('p', 'meta', f.hint));
    if (f.ackCommand && !f.acknowledged) {
      d.appendChild(el('p', 'meta', 'Known and accepted for now? Acknowledge it on the node (it stops counting until it expires or changes):'));
      d.appendChild(fixLine(f.ackCommand, 'Copy acknowledge command for ' + f.title));
    } else if (f.level === 3 && !f.pending) {
      d.appendChild(el('p', 'meta', 'Something could not be checked: this cannot be acknowledged away.'));
    }
    return d;
  }
`;
