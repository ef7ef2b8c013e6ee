/* Charts: small inline SVGs built with createElementNS; colours come from admin.css classes (no
   style attributes, so the production CSP holds). Each chart also has its numbers as a table. */
import { el, svgEl } from "./dom.js";
import { fmtNum } from "./format.js";

export function niceMax(v) {
  if (v <= 5) return 5;
  var p = Math.pow(10, Math.floor(Math.log(v) / Math.LN10)), m = v / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}
var chartSeq = 0;
/** A chart card: title, one-line reading, the SVG, a legend, and the numbers in a folded table.
    `build(width)` draws the SVG once the card is in the page, at the width it has there, so
    one SVG unit is one CSS pixel and the text keeps its size on a phone and on a desktop. */
export function chartCard(box, title, reading, build, legend, table, className) {
  var id = "ch-" + (++chartSeq);
  var fig = el("figure", { className: "card chart" + (className ? " " + className : ""), "aria-labelledby": id + "-t" }, [
    el("h2", { id: id + "-t", text: title }),
    reading ? el("p", { className: "reading", id: id + "-d", text: reading }) : null]);
  box.appendChild(fig);
  if (build) {
    var plot = el("div", { className: "plot" });
    fig.appendChild(plot);
    var svgNode = build(plotWidth(plot));
    svgNode.setAttribute("role", "img");
    svgNode.setAttribute("aria-labelledby", id + "-t" + (reading ? " " + id + "-d" : ""));
    plot.appendChild(svgNode);
  }
  if (legend && legend.length) {
    fig.appendChild(el("ul", { className: "legend-list" }, legend.map(function (l) {
      return el("li", null, [svgEl("svg", { viewBox: "0 0 10 10", width: "12", height: "12", "aria-hidden": "true", "class": "swatch" },
        [svgEl("rect", { width: 10, height: 10, "class": "bar " + l[0] })]), l[1]]);
    })));
  }
  if (table) fig.appendChild(el("details", { className: "numbers" }, [el("summary", { text: "Lihat angka" }), table]));
  return fig;
}
export function plotWidth(node) { return Math.max(280, Math.min(1100, Math.round(node.clientWidth || 320))); }
export function numbersTable(headers, rows) {
  var t = el("table", { className: "nums" }, [el("thead", null, [el("tr", null, headers.map(function (h, i) {
    return el("th", { scope: "col", className: i ? "n" : "", text: h });
  }))])]);
  var tb = el("tbody");
  rows.forEach(function (r) { tb.appendChild(el("tr", null, r.map(function (v, i) { return i ? el("td", { className: "n", text: v }) : el("th", { scope: "row", text: v }); }))); });
  t.appendChild(tb);
  return t;
}
/** Horizontal bars. rows: {label, value | parts:[{value, cls}], valueText, sub, cls}. With
    labelW the label sits left of the bar (short labels), else on its own line above it. */
export function barList(rows, o) {
  o = o || {};
  var W = o.width || 320, labelW = o.labelW || 0, hasSub = rows.some(function (r) { return r.sub; });
  var rowH = labelW ? 22 : hasSub ? 52 : 36, barH = labelW ? 14 : 13, valueW = o.valueW || 44;
  var totals = rows.map(function (r) { return r.parts ? r.parts.reduce(function (a, p) { return a + (p.value || 0); }, 0) : r.value || 0; });
  var max = o.max || Math.max.apply(null, totals.concat([1]));
  var barX = labelW ? labelW + 6 : 0, barMax = W - barX - valueW;
  var s = svgEl("svg", { viewBox: "0 0 " + W + " " + (rows.length * rowH + 2), "class": "bars" + (labelW ? " dense" : "") });
  rows.forEach(function (r, i) {
    var y = i * rowH, by = labelW ? y + 4 : y + 17;
    var g = svgEl("g", { "class": "row" + (r.cls ? " " + r.cls : ""), "data-key": r.key || null });
    if (labelW) g.appendChild(svgEl("text", { x: labelW, y: y + 15.5, "class": "lbl", "text-anchor": "end" }, [r.label]));
    else g.appendChild(svgEl("text", { x: 0, y: y + 13, "class": "lbl" }, [r.label]));
    var x = barX;
    (r.parts || [{ value: r.value || 0, cls: r.barCls || "c0" }]).forEach(function (p) {
      var w = max ? (p.value || 0) / max * barMax : 0;
      if (w > 0) g.appendChild(svgEl("rect", { x: x.toFixed(1), y: by, width: Math.max(w, 1.5).toFixed(1), height: barH, "class": "bar " + (p.cls || "c0") }));
      x += w;
    });
    var zero = totals[i] === 0 && o.markZero;
    if (zero) g.appendChild(svgEl("rect", { x: barX + 0.5, y: by + 0.5, width: barMax - 1, height: barH - 1, "class": "gapbar" }));
    g.appendChild(svgEl("text", { x: (zero ? barX + 4 : x + 4).toFixed(1), y: by + barH - 2.5, "class": zero ? "val gaptext" : "val" },
      [zero && o.zeroText ? o.zeroText : r.valueText || fmtNum(totals[i])]));
    if (r.sub) g.appendChild(svgEl("text", { x: 0, y: by + barH + 15, "class": "sub" }, [r.sub]));
    s.appendChild(g);
  });
  return s;
}
/** Vertical stacked columns (e.g. per week). cols: {label, tick, parts:[{value, cls}]}. */
export function columns(cols, o) {
  o = o || {};
  var n = Math.max(cols.length, 1), left = 28, top = 16, bottom = 28, H = o.height || 180;
  var W = Math.max(o.width || 320, n * 24 + left + 6), step = (W - left - 6) / n, bw = Math.min(20, step * 0.72);
  var totals = cols.map(function (c) { return c.parts.reduce(function (a, p) { return a + (p.value || 0); }, 0); });
  var max = niceMax(Math.max.apply(null, totals.concat([1]))), plotH = H - top - bottom;
  var s = svgEl("svg", { viewBox: "0 0 " + W + " " + H, "class": "cols" });
  [0, max / 2, max].forEach(function (v) {
    var y = top + plotH - v / max * plotH;
    s.appendChild(svgEl("line", { x1: left, x2: W - 4, y1: y.toFixed(1), y2: y.toFixed(1), "class": "grid-line" }));
    s.appendChild(svgEl("text", { x: left - 4, y: (y + 3.5).toFixed(1), "class": "axis", "text-anchor": "end" }, [fmtNum(v, v % 1 ? 1 : 0)]));
  });
  var every = Math.max(1, Math.ceil(34 / step)); // a tick label needs about 34 units
  cols.forEach(function (c, i) {
    var x = left + i * step + (step - bw) / 2, y = top + plotH;
    var g = svgEl("g", { "class": "col", "data-key": c.key || null });
    c.parts.forEach(function (p) {
      var h = (p.value || 0) / max * plotH;
      if (h > 0) { y -= h; g.appendChild(svgEl("rect", { x: x.toFixed(1), y: y.toFixed(1), width: bw.toFixed(1), height: h.toFixed(1), "class": "bar " + (p.cls || "c0") })); }
    });
    if (totals[i] && n <= 16) g.appendChild(svgEl("text", { x: (x + bw / 2).toFixed(1), y: (y - 3).toFixed(1), "class": "val", "text-anchor": "middle" }, [fmtNum(totals[i])]));
    if (i % every === 0) g.appendChild(svgEl("text", { x: (x + bw / 2).toFixed(1), y: H - 10, "class": "axis", "text-anchor": "middle" }, [c.tick || c.label]));
    s.appendChild(g);
  });
  return s;
}
