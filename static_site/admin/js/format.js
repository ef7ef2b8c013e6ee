/* Labels, numbers and dates as staff read them. Days are WIB calendar days "YYYY-MM-DD";
   instants are UTC "...Z". WIB = UTC+7 with no DST, so all arithmetic is on UTC fields and never
   depends on the browser's time zone. */
import { text } from "./dom.js";

export var DAYS = ["Minggu", "Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu"];
export var MONTHS = ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"];
export var SHORT_SERVICE = { koperasi: "Koperasi", ukm: "UKM" };
export var SHORT_MODE = { tatap_muka: "Tatap muka", daring: "Daring" };
export var BLOCK_NAME = { koperasi: "Pagi", ukm: "Siang" };
export var ROLE_LABEL = { admin: "Admin", konsultan: "Konsultan" };
export function pad(n) { return ("0" + n).slice(-2); }
export function isoOf(d) { return d.getUTCFullYear() + "-" + pad(d.getUTCMonth() + 1) + "-" + pad(d.getUTCDate()); }
export function parseDay(iso) { var p = iso.split("-"); return new Date(Date.UTC(+p[0], +p[1] - 1, +p[2])); }
export function todayWIB() { return isoOf(new Date(Date.now() + 7 * 3600e3)); }
export function addDays(iso, n) { return isoOf(new Date(parseDay(iso).getTime() + n * 864e5)); }
export function mondayOf(iso) { var d = parseDay(iso); return addDays(iso, -((d.getUTCDay() + 6) % 7)); }
/** Monday of the working week to show first: this week, or the next one on Saturday and Sunday. */
export function currentWeek() { var t = todayWIB(), wd = parseDay(t).getUTCDay(); return mondayOf(wd === 0 || wd === 6 ? addDays(t, 2) : t); }
export function validDay(v) { return /^\d{4}-\d{2}-\d{2}$/.test(v || ""); }
export function fmtDay(iso, long) {
  if (!validDay(iso)) return text(iso);
  var d = parseDay(iso);
  var wd = DAYS[d.getUTCDay()];
  return (long ? wd : wd.slice(0, 3)) + ", " + d.getUTCDate() + " " + MONTHS[d.getUTCMonth()] + " " + d.getUTCFullYear();
}
export function fmtShortDay(iso) { var d = parseDay(iso); return d.getUTCDate() + " " + MONTHS[d.getUTCMonth()]; }
export function fmtInstant(isoZ) {
  var t = Date.parse(isoZ || "");
  if (isNaN(t)) return text(isoZ);
  var d = new Date(t + 7 * 3600e3);
  return d.getUTCDate() + " " + MONTHS[d.getUTCMonth()] + " " + d.getUTCFullYear() + " " +
    pad(d.getUTCHours()) + "." + pad(d.getUTCMinutes()) + " WIB";
}
/** "01.49": the WIB time of an instant, as people write it here. */
export function fmtTime(isoZ) {
  var t = Date.parse(isoZ || "");
  if (isNaN(t)) return text(isoZ);
  var d = new Date(t + 7 * 3600e3);
  return pad(d.getUTCHours()) + "." + pad(d.getUTCMinutes());
}
/** A sentence ending in `s` gets one full stop: "dengan Siti Rahmawati, S.E." has no second one. */
export function ended(s) { s = String(s === null || s === undefined ? "" : s).replace(/\s+$/, ""); return /[.!?\u2026]$/.test(s) ? s : s + "."; }
export function fmtClock(isoZ) {
  var t = Date.parse(isoZ || "");
  if (isNaN(t)) return text(isoZ);
  var d = new Date(t + 7 * 3600e3);
  return pad(d.getUTCHours()) + "." + pad(d.getUTCMinutes()) + "." + pad(d.getUTCSeconds()) + " WIB";
}
export function fmtRange(a, b) {
  var x = parseDay(a), y = parseDay(b);
  var left = x.getUTCDate() + (x.getUTCMonth() !== y.getUTCMonth() ? " " + MONTHS[x.getUTCMonth()] : "") +
    (x.getUTCFullYear() !== y.getUTCFullYear() ? " " + x.getUTCFullYear() : "");
  return left + "–" + y.getUTCDate() + " " + MONTHS[y.getUTCMonth()] + " " + y.getUTCFullYear();
}
export function workingDayFrom(iso) { var wd = parseDay(iso).getUTCDay(); return wd === 6 ? addDays(iso, 2) : wd === 0 ? addDays(iso, 1) : iso; }
export function fmtNum(n, digits) {
  if (n === null || n === undefined || isNaN(n)) return "—";
  return Number(n).toLocaleString("id-ID", { maximumFractionDigits: digits === undefined ? 0 : digits, minimumFractionDigits: digits || 0 });
}
export function pct(r) { return r === null || r === undefined ? "—" : fmtNum(Math.round(r * 100)) + "%"; }
export function share(part, whole) { return whole ? pct(part / whole) : "—"; }
/** "+6281211112222" -> "0812-1111-2222", as people read a number here; anything else unchanged. */
export function fmtPhone(e164) {
  var d = String(e164 || "").replace(/\D/g, "");
  if (d.indexOf("62") !== 0 || d.length < 10) return e164 || "";
  var local = "0" + d.slice(2);
  return local.slice(0, 4) + "-" + local.slice(4, 8) + (local.length > 8 ? "-" + local.slice(8) : "");
}
/** The wa.me address of a number (one tap opens the chat). */
export function waHref(e164) { var d = String(e164 || "").replace(/\D/g, ""); return d ? "https://wa.me/" + d : ""; }
