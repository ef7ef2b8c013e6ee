"""Measuring a page as a phone shows it: sideways scroll, text drawn over other text, and tap
targets smaller than WCAG 2.2's 24 by 24 CSS pixels (2.5.8 Target Size, Minimum).

`problems(page)` returns a list of readable findings (empty when the page is fine):
- "scroll": the document is wider than the window (a visitor has to scroll sideways);
- "overlap": two pieces of visible text (text nodes of different elements) whose line boxes
  intersect by more than a pixel each way;
- "target": a visible control (link, button, field, or the label that wraps a checkbox or
  radio) smaller than 24 x 24 px, unless a 24 px circle on its centre meets no other target
  (the spacing exception) or it is a link inside a sentence (the inline exception).
Text clipped on purpose (off-screen helpers, `overflow: hidden` with one pixel) is not text a
person reads and is skipped.
"""
from __future__ import annotations

MEASURE = r"""
() => {
  const vw = document.documentElement.clientWidth;
  const out = [];
  const sw = document.documentElement.scrollWidth;
  if (sw > vw + 0.5) {
    const wide = [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > vw + 0.5)
      .slice(0, 4).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : ''));
    out.push(`scroll: page ${sw}px wide in a ${vw}px window (${wide.join(', ')})`);
  }
  const shown = el => {
    // The content of a closed <details> (all but its summary) is not rendered, whatever its boxes say.
    const closed = el.closest('details:not([open])');
    if (closed && !el.closest('summary')) return false;
    for (let e = el; e && e !== document.body; e = e.parentElement) {
      const s = getComputedStyle(e);
      if (s.display === 'none' || s.visibility === 'hidden' || e.hidden) return false;
    }
    const r = el.getBoundingClientRect();
    return r.width > 1 && r.height > 1 && r.right > 0 && r.left < vw + 200;
  };
  // Text: the line boxes of every visible text node.
  const boxes = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (!n.textContent.trim() || !shown(n.parentElement)) continue;
    const tag = n.parentElement.closest('script,style,noscript,option,.hp,.skip');
    if (tag) continue;
    const range = document.createRange(); range.selectNodeContents(n);
    for (const r of range.getClientRects()) {
      if (r.width > 1 && r.height > 1) boxes.push({el: n.parentElement, r, text: n.textContent.trim().slice(0, 30)});
    }
  }
  const seen = new Set();
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i], b = boxes[j];
      if (a.el === b.el) continue;
      const w = Math.min(a.r.right, b.r.right) - Math.max(a.r.left, b.r.left);
      const h = Math.min(a.r.bottom, b.r.bottom) - Math.max(a.r.top, b.r.top);
      if (w > 1 && h > 1) {
        const key = a.text + '|' + b.text;
        if (!seen.has(key)) { seen.add(key); out.push(`overlap: "${a.text}" and "${b.text}"`); }
      }
    }
  }
  // Targets.
  const controls = [...document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary')]
    .filter(e => shown(e) && !e.closest('.hp'));
  const targets = controls.map(e => {
    const label = (e.type === 'checkbox' || e.type === 'radio') ? e.closest('label') : null;
    const el = label || e;
    const inline = e.tagName === 'A' && e.parentElement && /^(P|LI|SPAN|DD|TD)$/.test(e.parentElement.tagName)
      && e.parentElement.textContent.trim().length > e.textContent.trim().length + 3;
    return {el, r: el.getBoundingClientRect(), inline, name: (e.id || e.name || e.textContent || e.tagName).trim().slice(0, 30)};
  });
  for (const t of targets) {
    if (t.inline || (t.r.width >= 24 - 0.01 && t.r.height >= 24 - 0.01)) continue;
    const cx = t.r.left + t.r.width / 2, cy = t.r.top + t.r.height / 2;
    const crowded = targets.some(o => {
      if (o === t || o.el === t.el) return false;
      const nx = Math.max(o.r.left, Math.min(cx, o.r.right)), ny = Math.max(o.r.top, Math.min(cy, o.r.bottom));
      return Math.hypot(nx - cx, ny - cy) < 12;
    });
    if (crowded) out.push(`target: "${t.name}" is ${Math.round(t.r.width)}x${Math.round(t.r.height)}px with another target within 12px`);
  }
  return out;
}
"""


def problems(page) -> list[str]:
    return page.evaluate(MEASURE)
