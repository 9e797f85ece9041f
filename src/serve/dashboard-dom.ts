// The dashboard's page helpers, part of /dashboard.js: spliced into the script's scope before its main
// part. Elements built from text (never innerHTML: names and paths are user-controlled), text that wraps
// only where a path or command may, times, links into the PVE GUI, and copyable command lines.
// Plain ES2017 without template literals.
export const DOM_JS = String.raw`
  function $(id) { return document.getElementById(id); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  function say(text) { $('message').textContent = text || ''; }

  // Paths, volume IDs and commands wrap at spaces and after / : = , (a <wbr>), and only there: a name
  // such as vm-100-disk-0 or local-lvm stays whole (a nowrap span; browsers would break after its hyphens).
  // A part too long for a phone's line (over 28 characters) may also wrap after - and _, and an
  // identifier of 40+ letters and digits between its 32-character parts (a DM UUID "LVM-<VG UUID><LV UUID>").
  function breakable(text) {
    var frag = document.createDocumentFragment();
    String(text).split(/(\s+|[\/:=,])/).forEach(function (part) {
      if (!part) return;
      if (/^(\s+|[\/:=,])$/.test(part)) {
        frag.appendChild(document.createTextNode(part));
        if (!/\s/.test(part)) frag.appendChild(document.createElement('wbr'));
        return;
      }
      if (part.length <= 28) {
        frag.appendChild(/[\-_]/.test(part) ? el('span', 'nb', part) : document.createTextNode(part));
        return;
      }
      part.split(/([\-_])/).forEach(function (bit) {
        if (!bit) return;
        var chunks = /^[A-Za-z0-9]{40,}$/.test(bit) ? bit.match(/.{1,32}/g) : [bit];
        chunks.forEach(function (c, i) {
          if (i) frag.appendChild(document.createElement('wbr'));
          frag.appendChild(document.createTextNode(c));
        });
        if (/^[\-_]$/.test(bit)) frag.appendChild(document.createElement('wbr'));
      });
    });
    return frag;
  }

  function ago(seconds) {
    if (seconds === null || seconds === undefined) return '';
    if (seconds < 90) return Math.round(seconds) + ' s ago';
    if (seconds < 5400) return Math.round(seconds / 60) + ' min ago';
    return Math.round(seconds / 3600) + ' h ago';
  }
  function when(iso) {
    var d = new Date(iso);
    return isNaN(d.getTime()) ? String(iso) : d.toLocaleString();
  }

  // The PVE GUI of the node this page came from (every cluster node shows every guest).
  function guiBase() {
    // The config's address ([links] pve_gui: a proxy, a cluster name) when set; else this page's host.
    if (lastDoc && lastDoc.view && lastDoc.view.guiBase) return lastDoc.view.guiBase;
    var h = location.hostname;
    if (!h || h === 'localhost' || /^127\./.test(h) || h === '[::1]' || h === '::1') h = (lastDoc && lastDoc.node) || 'localhost';
    return 'https://' + (h.indexOf(':') >= 0 && h.charAt(0) !== '[' ? '[' + h + ']' : h) + ':8006/';
  }
  function guestLabel(g) { return (g.type || 'guest') + ' ' + g.vmid + (g.name ? ' ' + g.name : ''); }
  function guestLink(g, label) {
    var a = el('a');
    // The guest's name stays whole ("db-primary-01" does not wrap at its hyphens).
    if (label) a.textContent = label;
    else {
      a.appendChild(document.createTextNode((g.type || 'guest') + ' ' + g.vmid + (g.name ? ' ' : '')));
      if (g.name) a.appendChild(el('span', 'nb', g.name));
    }
    a.href = guiBase() + g.gui;
    a.rel = 'noreferrer';
    a.title = 'Open ' + guestLabel(g) + ' in the Proxmox VE web interface';
    return a;
  }

  function copy(text, what) {
    function done() { say('Copied: ' + what); }
    function fallback() {
      var t = document.createElement('textarea');
      t.value = text;
      t.setAttribute('readonly', '');
      t.setAttribute('aria-hidden', 'true');
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

  // A copyable command line; the button's name says what it copies (screen readers list many buttons).
  function fixLine(cmd, label) {
    var fix = el('div', 'fix');
    var code = el('code');
    code.appendChild(breakable(cmd));
    fix.appendChild(code);
    var b = el('button', '', 'Copy');
    b.type = 'button';
    b.setAttribute('aria-label', label);
    b.addEventListener('click', function () { copy(cmd, cmd); });
    fix.appendChild(b);
    return fix;
  }
`;
