/* DOM helpers. Rule: everything that comes from the API goes into the page through textContent or
   createElement, never through innerHTML; visitors type whatever they like. */


export function $(id) { return document.getElementById(id); }

/** el("td", {className: "x", "data-label": "Nama"}, [child, "text"]): text children become text nodes. */
export function el(tag, attrs, children) {
  var node = document.createElement(tag);
  if (attrs) {
    Object.keys(attrs).forEach(function (k) {
      var v = attrs[k];
      if (v === null || v === undefined || v === false) return;
      if (k === "className") node.className = v;
      else if (k === "text") node.textContent = v;
      else if (k === "hidden") node.hidden = true;
      else if (k === "checked" || k === "value" || k === "type" || k === "disabled") node[k] = v;
      else node.setAttribute(k, v === true ? "" : String(v));
    });
  }
  (children || []).forEach(function (c) {
    if (c === null || c === undefined) return;
    node.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
  });
  return node;
}
export function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }
export function setStatus(id, text) { var p = $(id); if (p) p.textContent = text || ""; }
export function label(map, code, fallback) {
  if (code === null || code === undefined || code === "") return "—";
  return (map && Object.prototype.hasOwnProperty.call(map, code)) ? map[code] : (fallback && fallback[code]) || String(code);
}
/** Labels for a list of codes: from `primary` (e.g. short names), else from `secondary` (meta). */
export function listLabels(primary, codes, secondary) {
  return (codes || []).map(function (c) { return label(primary, c, secondary); }).join(", ") || "—";
}
export function text(v) { return v === null || v === undefined || v === "" ? "—" : String(v); }

export function fillSelect(select, options, emptyLabel) {
  clear(select);
  if (emptyLabel !== undefined) select.appendChild(el("option", { value: "", text: emptyLabel }));
  options.forEach(function (o) { select.appendChild(el("option", { value: o[0], text: o[1] })); });
}
export function pairs(map) { return Object.keys(map || {}).map(function (k) { return [k, map[k]]; }); }
export function checkGroup(box, map, extra) {
  clear(box);
  var name = box.getAttribute("data-name");
  Object.keys(map).forEach(function (code) {
    box.appendChild(el("label", { className: "opt-row" }, [
      el("input", { type: "checkbox", name: name, value: code }),
      el("span", null, [map[code], extra && extra[code] ? el("span", { className: "opt", text: " " + extra[code] }) : null])
    ]));
  });
}
export function checkedValues(form, name) {
  return Array.prototype.filter.call(form.querySelectorAll("input[name=" + name + "]"), function (i) { return i.checked; })
    .map(function (i) { return i.value; });
}
export function setChecked(form, name, values) {
  Array.prototype.forEach.call(form.querySelectorAll("input[name=" + name + "]"), function (i) { i.checked = (values || []).indexOf(i.value) >= 0; });
}
export function smallButton(textValue, className, onClick, ariaLabel) {
  var b = el("button", { type: "button", className: "small " + (className || ""), text: textValue, "aria-label": ariaLabel });
  b.addEventListener("click", onClick);
  return b;
}
export function cell(labelText, content, className) {
  var td = el("td", { "data-label": labelText, className: className });
  if (content && content.nodeType) td.appendChild(content); else td.textContent = text(content);
  return td;
}
export function emptyRow(tbody, cols, message) {
  tbody.appendChild(el("tr", { className: "empty" }, [el("td", { colspan: cols, text: message })]));
}
export function objectOf(list) { var o = {}; list.forEach(function (p) { o[p[0]] = p[1]; }); return o; }
/** A link only when it is a plain https URL (never javascript: or data:). */
export function safeUrl(u) { return typeof u === "string" && /^https:\/\/[^\s"'<>]+$/.test(u) ? u : null; }
export function safeHttpUrl(u) { return typeof u === "string" && /^https?:\/\/[^\s"'<>]+$/.test(u) ? u : null; }
var SVGNS = "http://www.w3.org/2000/svg";
export function svgEl(tag, attrs, children) {
  var n = document.createElementNS(SVGNS, tag);
  Object.keys(attrs || {}).forEach(function (k) { if (attrs[k] !== null && attrs[k] !== undefined) n.setAttribute(k, String(attrs[k])); });
  (children || []).forEach(function (c) {
    if (c === null || c === undefined) return;
    n.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
  });
  return n;
}
