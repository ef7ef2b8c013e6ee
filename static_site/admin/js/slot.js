/* Slot & kapasitas: the bookable seats of a date range and how many are taken. */
import { $, clear, el, label, listLabels, setStatus } from "./dom.js";
import { SHORT_MODE, SHORT_SERVICE, addDays, currentWeek, fmtDay, fmtInstant, fmtRange, parseDay, validDay } from "./format.js";
import { api, ignoreStop, problem, qs } from "./api.js";
import { clearErrors, showErrors } from "./forms.js";
import { consultantName, loaders, meta } from "./state.js";

loaders.slot = function (arg, changed) {
  if (!$("s-from").value) {
    var monday = currentWeek();
    $("s-from").value = monday;
    $("s-to").value = addDays(monday, 11);
  }
  if (changed) showSlots();
};
var slotRequests = 0;
function showSlots() {
  var form = $("s-form"), from = $("s-from").value, to = $("s-to").value;
  var local = {};
  if (!validDay(from)) local.from = "Isi tanggal awal.";
  if (!validDay(to)) local.to = "Isi tanggal akhir.";
  else if (validDay(from) && to < from) local.to = "Tanggal akhir harus sesudah tanggal awal.";
  else if (validDay(from) && parseDay(to) - parseDay(from) > 30 * 864e5) local.to = "Paling panjang 31 hari.";
  if (Object.keys(local).length) return showErrors(form, "s", local);
  clearErrors(form, "s");
  setStatus("s-status", "Memuat…");
  var range = qs({ from: from, to: to }), mine = ++slotRequests;
  Promise.all([api("GET", "/staff/capacity" + range), api("GET", "/staff/slots" + range)]).then(function (all) {
    if (mine !== slotRequests) return;  // a newer range was asked for meanwhile: its answer is drawn
    var cap = all[0], slots = all[1];
    if (!cap.ok) return showErrors(form, "s", (cap.body && cap.body.errors) || { _form: problem(cap) });
    if (!slots.ok) return showErrors(form, "s", (slots.body && slots.body.errors) || { _form: problem(slots) });
    renderSlots(cap.body.days || [], slots.body.slots || []);
  }).catch(ignoreStop);
}
$("s-form").addEventListener("submit", function (e) { e.preventDefault(); showSlots(); });
function renderSlots(days, slots) {
  var box = clear($("s-isi"));
  var byDay = {};
  slots.forEach(function (s) { (byDay[s.day] = byDay[s.day] || []).push(s); });
  var total = { offered: 0, taken: 0, free: 0 };
  var shown = days.map(function (d) { return d.day; });
  Object.keys(byDay).forEach(function (d) { if (shown.indexOf(d) < 0) { shown.push(d); days.push({ day: d, services: {} }); } });
  days.sort(function (a, b) { return a.day.localeCompare(b.day); });
  if (!days.length) box.appendChild(el("p", { className: "hint", text: "Tidak ada hari layanan pada rentang ini." }));
  days.forEach(function (d) {
    var list = (byDay[d.day] || []).slice().sort(function (a, b) { return String(a.start).localeCompare(String(b.start)) || String(a.consultant_name).localeCompare(String(b.consultant_name)); });
    var art = el("article", { className: "card day", "data-day": d.day }, [el("h2", { text: fmtDay(d.day, true) })]);
    var services = Object.keys(d.services || {});
    if (services.length) {
      var tbl = el("table", { className: "cap" }, [
        el("caption", { className: "sr", text: "Kapasitas " + fmtDay(d.day, true) }),
        el("thead", null, [el("tr", null, [el("th", { scope: "col", text: "Cara" }),
          el("th", { scope: "col", text: "Ditawarkan" }), el("th", { scope: "col", text: "Terisi" }), el("th", { scope: "col", text: "Sisa" })])])]);
      var tb = el("tbody");
      services.forEach(function (service) {
        var s = d.services[service] || {};
        tb.appendChild(el("tr", { className: "svc" }, [el("th", { scope: "rowgroup", colspan: 4 }, [
          label(meta.services, service), el("span", { className: "minor inline", text: meta.blocks[service] || "" })])]));
        [["tatap_muka", SHORT_MODE.tatap_muka], ["daring", SHORT_MODE.daring], ["seats", "Total kursi"]].forEach(function (m) {
          var v = s[m[0]] || { offered: 0, taken: 0, free: 0 };
          if (m[0] === "seats") { total.offered += v.offered || 0; total.taken += v.taken || 0; total.free += v.free || 0; }
          tb.appendChild(el("tr", { className: m[0] === "seats" ? "total" : "", "data-service": service, "data-mode": m[0] }, [
            el("th", { scope: "row" }, [el("span", { className: "sr", text: (SHORT_SERVICE[service] || service) + ", " }), m[1]]),
            el("td", { text: String(v.offered || 0) }), el("td", { text: String(v.taken || 0) }),
            el("td", { className: (v.free || 0) === 0 && (v.offered || 0) > 0 ? "full" : "", text: String(v.free || 0) })]));
        });
      });
      tbl.appendChild(tb);
      art.appendChild(el("div", { className: "table-wrap" }, [tbl]));
    }
    if (list.length) {
      // One row per start time; each slot one line: consultant · modes · room · taken.
      var times = [], byTime = {};
      list.forEach(function (s) {
        var t = String(s.start_wib || "").slice(11).replace(":", ".") || fmtInstant(s.start);
        if (!byTime[t]) { byTime[t] = []; times.push(t); }
        byTime[t].push(s);
      });
      var free = list.filter(function (s) { return !s.taken; }).length;
      var det = el("details", null, [el("summary", { text: "Daftar slot: " + list.length + " (" + free + " kosong)" })]);
      var st = el("table", { className: "slots" }, [
        el("caption", { className: "sr", text: "Slot " + fmtDay(d.day, true) }),
        el("thead", null, [el("tr", null, [el("th", { scope: "col", text: "Waktu (WIB)" }), el("th", { scope: "col", text: "Konsultan · cara · ruang" })])])]);
      var sb = el("tbody");
      times.forEach(function (t) {
        var first = byTime[t][0];
        var ul = el("ul", { className: "slotlist" });
        byTime[t].forEach(function (s) {
          var room = s.room_name || (s.room_id ? s.room_id : null);
          ul.appendChild(el("li", { className: s.taken ? "taken" : "", "data-seat": s.seat_id, "data-service": s.service }, [
            el("strong", { text: s.consultant_name || consultantName(s.consultant_id) }),
            " · " + listLabels(SHORT_MODE, s.modes, meta.modes) + (room ? " · " + room : "") + " · ",
            el("span", { className: s.taken ? "state taken" : "state", text: s.taken ? "Terisi" : "Kosong" })]));
        });
        sb.appendChild(el("tr", null, [
          el("th", { scope: "row" }, [t, el("span", { className: "minor", text: SHORT_SERVICE[first.service] || label(meta.services, first.service) })]),
          el("td", null, [ul])]));
      });
      st.appendChild(sb);
      det.appendChild(st);
      art.appendChild(det);
    } else {
      art.appendChild(el("p", { className: "hint", text: "Tidak ada slot (tidak ada petugas atau hari tutup)." }));
    }
    box.appendChild(art);
  });
  setStatus("s-status", "Rentang " + fmtRange($("s-from").value, $("s-to").value) + ": " + slots.length + " slot; kursi ditawarkan " +
    total.offered + ", terisi " + total.taken + ", sisa " + total.free + ".");
}
