/* How a session reads in every list: its time, place, status; shared by Sesi, Pendaftaran and Jadwal saya. */
import { el, label } from "./dom.js";
import { SHORT_MODE, fmtDay, fmtInstant } from "./format.js";
import { meta } from "./state.js";

export var SESSION_HOLDING = ["terjadwal", "hadir", "tidak_hadir"];
export function sessionLabel(s) { return s.status_label || label(meta.session_statuses, s.status); }
export function sessionTime(s) {
  var start = String(s.start_wib || "").slice(11).replace(":", ".");
  return start ? start + "–" + String(s.end_wib || "").replace(":", ".") : fmtInstant(s.start);
}
export function sessionWhen(s) { return fmtDay(s.day, true) + ", " + sessionTime(s) + " WIB"; }
export function sessionPlace(s) {
  if (s.mode === "tatap_muka") return SHORT_MODE.tatap_muka + (s.room_name || s.room_id ? ", " + (s.room_name || s.room_id) : "");
  return SHORT_MODE[s.mode] || label(meta.modes, s.mode);
}
export function isCancelled(s) { return SESSION_HOLDING.indexOf(s.status) < 0; }
export function statusBadge(s) { return el("span", { className: "badge st-" + s.status, text: sessionLabel(s) }); }
/* "Saya hadir" tapped on WhatsApp: shown while the session is still to come or being recorded. */
export function confirmedTag(s) {
  if (!s.visitor_confirmed_at || isCancelled(s)) return null;
  return el("span", { className: "tag confirmed", "data-field": "confirmed", title: "Lewat WhatsApp, " + fmtInstant(s.visitor_confirmed_at),
    text: "Konfirmasi hadir" });
}
/* Booked at the walk-in desk (Loket) for a visitor who came to the office. */
export function walkInTag(s) {
  return s.walk_in ? el("span", { className: "tag walkin", "data-field": "walk_in", text: "Datang langsung" }) : null;
}
export function countBy(items) {
  var n = {};
  items.forEach(function (s) { n[s.status] = (n[s.status] || 0) + 1; });
  return n;
}
export function statusSummary(items) {
  var n = countBy(items);
  return ["terjadwal", "hadir", "tidak_hadir"].filter(function (k) { return n[k]; })
    .map(function (k) { return n[k] + " " + label(meta.session_statuses, k, { terjadwal: "terjadwal", hadir: "hadir", tidak_hadir: "tidak hadir" }).toLowerCase(); }).join(", ");
}
