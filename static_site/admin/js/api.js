/* Calls to the staff API under /api on the page's own origin, with the staff token. */
import { el } from "./dom.js";
import { MSG_EXPIRED, MSG_FORBIDDEN, MSG_OFFLINE, STOP, backToSignIn, session } from "./session.js";

export var API = "/api";
export function rawApi(method, path, body, headers) {
  var s = session();
  if (!s) { backToSignIn(MSG_EXPIRED); return Promise.reject(STOP); }
  var opts = { method: method, cache: "no-store", headers: { Authorization: "Bearer " + s.token, Accept: "application/json" } };
  if (body !== undefined) { opts.headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(body); }
  Object.keys(headers || {}).forEach(function (k) { opts.headers[k] = headers[k]; });
  return fetch(API + path, opts).then(function (r) {
    return r.json().catch(function () { return {}; }).then(function (b) {
      if (r.status === 401) { backToSignIn(MSG_EXPIRED); throw STOP; }
      return { ok: r.ok, status: r.status, body: b || {} };
    });
  }, function () {
    return { ok: false, status: 0, body: { errors: { _form: MSG_OFFLINE } } };
  });
}
/** Calls the API; resolves {ok, status, body}. A refused token ends the session. Never rejects otherwise.
    The API gateway answers 403 both for a token it refuses (expired, revoked, forged) and for a
    role that may not use a route; /staff/me is open to every staff role, so it tells them apart. */
export function api(method, path, body, headers) {
  return rawApi(method, path, body, headers).then(function (res) {
    if (res.status !== 403 || path === "/staff/me") return res;
    return rawApi("GET", "/staff/me").then(function (probe) {
      if (probe.status === 403) { backToSignIn(MSG_EXPIRED); throw STOP; }
      return res;
    });
  });
}
export function problem(res) {
  if (res.status === 403) return MSG_FORBIDDEN;
  var errs = (res.body && res.body.errors) || {};
  if (errs._form) return errs._form;
  var keys = Object.keys(errs);
  if (keys.length) return keys.map(function (k) { return errs[k]; }).join(" ");
  return res.status ? "Terjadi gangguan (kode " + res.status + "). Coba lagi." : MSG_OFFLINE;
}
export function ignoreStop(e) { if (e !== STOP) { console.error(e); } }
export function qs(params) {
  var parts = [];
  Object.keys(params).forEach(function (k) {
    if (params[k] !== "" && params[k] !== null && params[k] !== undefined) parts.push(encodeURIComponent(k) + "=" + encodeURIComponent(params[k]));
  });
  return parts.length ? "?" + parts.join("&") : "";
}
// A file the API sends only with the token (report, poster; with `body`, a POST): fetch it and hand it over.
export function apiFile(path, accept, body) {
  var s = session();
  if (!s) { backToSignIn(MSG_EXPIRED); return Promise.reject(STOP); }
  var opts = { cache: "no-store", headers: { Authorization: "Bearer " + s.token, Accept: accept } };
  if (body !== undefined) { opts.method = "POST"; opts.headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(body); }
  return fetch(API + path, opts).then(function (r) {
    if (r.status === 401) { backToSignIn(MSG_EXPIRED); throw STOP; }
    if (!r.ok) return r.json().catch(function () { return {}; }).then(function (b) { return { ok: false, status: r.status, body: b || {} }; });
    var cd = r.headers.get("Content-Disposition") || "", m = /filename="([^"]+)"/.exec(cd);
    return r.blob().then(function (blob) { return { ok: true, status: r.status, blob: blob, filename: m ? m[1] : null }; });
  }, function () { return { ok: false, status: 0, body: { errors: { _form: MSG_OFFLINE } } }; });
}
export function saveFile(blob, filename) {
  var url = URL.createObjectURL(blob);
  var a = el("a", { href: url, download: filename, className: "sr" });
  document.body.appendChild(a);
  a.click();
  a.parentNode.removeChild(a);
  setTimeout(function () { URL.revokeObjectURL(url); }, 30000);
}
