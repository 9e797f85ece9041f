// A focused accessibility and layout audit run inside a real page (chromium via playwright-core):
// what axe-core would flag for these pages, in a page of code instead of megabytes. Checks, from
// computed styles and layout boxes:
// - contrast: every visible text node's colour against the background behind it, >= 4.5:1
//   (>= 3:1 for large text: 24 px, or 18.66 px bold), WCAG 2 relative luminance;
// - landmarks: a banner (header), a main, a contentinfo (footer) and navigation (nav), counted;
// - names: every input, select, textarea and button has an accessible name;
// - images: every <img> has alt, every svg[role=img] an aria-label;
// - overflow: the document and no visible element reach past the viewport's width;
// - line breaks in paths (.f-title, .path, .mono, code): a wrapped line ends only after / : - _ = ,
//   a space, or where the page put a <wbr>; never in the middle of a word.
// A string, not a function: tsx's name-keeping helpers do not exist inside the page.

export interface AuditResult {
  contrast: string[];
  landmarks: { banner: number; main: number; contentinfo: number };
  navigation: number;
  unnamed: string[];
  images: string[];
  overflow: string[];
  scrollWidth: number;
  clientWidth: number;
  midWordBreaks: string[];
  textNodes: number;
}

export const AUDIT_JS = String.raw`() => {
  const out = { contrast: [], unnamed: [], images: [], overflow: [], midWordBreaks: [], textNodes: 0 };
  const rgba = (s) => { const m = (s.match(/[\d.]+/g) || []).map(Number); return m.length >= 3 ? [m[0], m[1], m[2], m.length > 3 ? m[3] : 1] : null; };
  const lin = (c) => { const v = c / 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  const lum = (c) => 0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2]);
  const blend = (top, bottom) => [0, 1, 2].map((i) => top[i] * top[3] + bottom[i] * (1 - top[3])).concat([1]);
  const describe = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : '');
  const visible = (el) => { const r = el.getBoundingClientRect(); const cs = getComputedStyle(el); return r.width > 0 && r.height > 0 && cs.visibility !== 'hidden' && cs.display !== 'none' && Number(cs.opacity) > 0; };
  // The background behind an element: its own and its ancestors' colours, blended from the canvas up.
  const background = (el) => {
    const stack = [];
    for (let e = el; e; e = e.parentElement) { const c = rgba(getComputedStyle(e).backgroundColor); if (c && c[3] > 0) { stack.push(c); if (c[3] >= 1) break; } }
    let bg = rgba(getComputedStyle(document.documentElement).backgroundColor);
    const dark = matchMedia('(prefers-color-scheme: dark)').matches;
    if (!bg || bg[3] === 0) bg = dark && getComputedStyle(document.documentElement).colorScheme.includes('dark') ? [18, 18, 18, 1] : [255, 255, 255, 1];
    for (let i = stack.length - 1; i >= 0; i--) bg = blend(stack[i], bg);
    return bg;
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!n.textContent.trim() || !el || seen.has(el) || !visible(el) || el.closest('.sr-only, [aria-hidden=true]')) continue;
    seen.add(el);
    out.textNodes++;
    const cs = getComputedStyle(el);
    const fg = rgba(cs.color);
    const bg = background(el);
    const c = blend(fg, bg);
    const ratio = (Math.max(lum(c), lum(bg)) + 0.05) / (Math.min(lum(c), lum(bg)) + 0.05);
    const size = parseFloat(cs.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(cs.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5)) out.contrast.push(describe(el) + ' "' + n.textContent.trim().slice(0, 30) + '" ' + ratio.toFixed(2) + ':1 (' + cs.color + ' on ' + bg.slice(0, 3).join(',') + ')');
  }
  for (const el of document.querySelectorAll('input, select, textarea, button')) {
    if (el.type === 'hidden' || !visible(el) && !el.closest('details:not([open])')) continue;
    const byFor = el.id && document.querySelector('label[for="' + el.id + '"]');
    const ref = el.getAttribute('aria-labelledby');
    const name = (el.getAttribute('aria-label') || '').trim() || (byFor && byFor.textContent.trim()) || (el.closest('label') && el.closest('label').textContent.trim()) ||
      (ref && ref.split(/\s+/).map((i) => (document.getElementById(i) || {}).textContent || '').join(' ').trim()) ||
      (el.tagName === 'BUTTON' && el.textContent.trim()) || el.getAttribute('title');
    if (!name) out.unnamed.push(describe(el));
  }
  for (const img of document.querySelectorAll('img')) if (!img.hasAttribute('alt')) out.images.push(describe(img));
  for (const svg of document.querySelectorAll('svg[role=img]')) if (!(svg.getAttribute('aria-label') || '').trim()) out.images.push(describe(svg));
  const width = document.documentElement.clientWidth;
  for (const el of document.body.querySelectorAll('*')) {
    if (!visible(el) || el.closest('.sr-only, .skip, table.stack thead')) continue;
    const r = el.getBoundingClientRect();
    if (r.right > width + 0.5 || r.left < -0.5) out.overflow.push(describe(el) + ' [' + Math.round(r.left) + ', ' + Math.round(r.right) + '] > ' + width);
  }
  // Where a path wraps: the last character of each line must be a separator or a space.
  for (const el of document.querySelectorAll('.f-title, .path, .mono, code')) {
    if (!visible(el)) continue;
    const chars = [];
    const tw = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let t = tw.nextNode(); t; t = tw.nextNode())
      for (let i = 0; i < t.length; i++) chars.push([t, i, i === 0 && t.previousSibling && t.previousSibling.nodeName === 'WBR']);
    let prevTop = null;
    const range = document.createRange();
    for (let k = 0; k < chars.length; k++) {
      const [t, i, afterWbr] = chars[k];
      range.setStart(t, i); range.setEnd(t, i + 1);
      const rects = range.getClientRects();
      if (!rects.length) continue;
      const top = Math.round(rects[0].top);
      if (prevTop !== null && top > prevTop + 2 && k > 0) {
        const before = chars[k - 1][0].data[chars[k - 1][1]];
        const here = t.data[i];
        if (!afterWbr && !/[\/:\-_=,\s]/.test(before) && !/\s/.test(here)) out.midWordBreaks.push(describe(el) + ': "' + el.textContent.slice(Math.max(0, k - 12), k) + '|' + el.textContent.slice(k, k + 12) + '"');
      }
      prevTop = top;
    }
  }
  const count = (sel) => document.querySelectorAll(sel).length;
  return Object.assign(out, {
    // header and footer are the banner and contentinfo unless inside sectioning content (HTML-AAM),
    // at any depth: a mail-safe page keeps them inside its layout table.
    landmarks: {
      banner: count('header:not(:is(article, aside, main, nav, section) header), [role=banner]'),
      main: count('main, [role=main]'),
      contentinfo: count('footer:not(:is(article, aside, main, nav, section) footer), [role=contentinfo]'),
    },
    navigation: count('nav, [role=navigation]'),
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: width,
  });
}`;
