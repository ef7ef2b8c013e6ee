/* Evaluasi › Perkiraan kebutuhan: the published forecast, the coming weeks' needs, and the what-if. */
import { $, cell, clear, el, fillSelect, setStatus } from "./dom.js";
import { SHORT_MODE, SHORT_SERVICE, addDays, fmtDay, fmtInstant, fmtNum } from "./format.js";
import { api, ignoreStop, problem } from "./api.js";
import { submit } from "./forms.js";
import { consultants, loadConsultants, meta, whatIfDay } from "./state.js";

var request = 0;
function words(e) { return e ? e.text.replace(/^Perkiraan: /, "") : "—"; }
function estimateList(estimates) {
  var list = el("ul", { className: "plain" });
  Object.keys(estimates || {}).forEach(function (service) {
    Object.keys(estimates[service]).forEach(function (mode) {
      list.appendChild(el("li", { "data-service": service, "data-mode": mode }, [
        el("strong", { text: (SHORT_SERVICE[service] || service) + ", " + (SHORT_MODE[mode] || mode) + ": " }), words(estimates[service][mode])]));
    });
  });
  return list;
}

export function loadForecast() {
  var mine = ++request;
  setStatus("e-pk-status", "Memuat…");
  if (!$("e-pk-day").value) $("e-pk-day").value = whatIfDay();  // a bookable working day about a week ahead
  fillSelect($("e-pk-service"), Object.keys(meta.services || {}).map(function (k) { return [k, meta.services[k]]; }));
  loadConsultants().then(function () {
    fillSelect($("e-pk-consultant_id"), consultants.filter(function (c) { return c.active; }).map(function (c) { return [c.id, c.name]; }),
      "— pilih konsultan —");
  }).catch(ignoreStop);
  api("GET", "/staff/forecast").then(function (res) {
    if (mine !== request) return;
    if (!res.ok) return setStatus("e-pk-status", problem(res));
    var f = res.body, box = clear($("e-pk-now")), weeks = clear($("e-pk-weeks"));
    if (!f.computed_at) return setStatus("e-pk-status", "Belum ada perkiraan: dihitung otomatis dalam 30 menit.");
    setStatus("e-pk-status", "Dihitung " + fmtInstant(f.computed_at) + " · " + fmtNum(f.waiting || 0) + " pendaftar menunggu, " +
      fmtNum(f.free_seats || 0) + " slot kosong dalam 6 minggu.");
    box.appendChild(el("p", { text: "Perkiraan untuk pendaftar baru:" }));
    box.appendChild(estimateList(f.estimates));
    var heads = ["Minggu mulai", "Layanan", "Cara", "Dibutuhkan", "Slot kosong", "Kurang (jam konsultan)"];
    var table = el("table", { className: "list stack", id: "e-pk-tabel" }, [
      el("caption", { text: "Empat minggu ke depan: slot yang dibutuhkan dan yang tersedia (satu slot = 30 menit)" }),
      el("thead", null, [el("tr", null, heads.map(function (h) {
        return el("th", { scope: "col", text: h });
      }))])]);
    var body = el("tbody");
    (f.needs || []).forEach(function (n) {
      var short = n.short_hours > 0;
      body.appendChild(el("tr", { "data-service": n.service, "data-mode": n.mode }, [
        cell(heads[0], fmtDay(n.week_start)), cell(heads[1], SHORT_SERVICE[n.service] || n.service), cell(heads[2], SHORT_MODE[n.mode] || n.mode),
        cell(heads[3], fmtNum(n.needed, 1)), cell(heads[4], fmtNum(n.on_roster)),
        cell(heads[5], short ? fmtNum(n.short_hours, 1) + " jam" : "cukup", short ? "short" : "")]));
    });
    table.appendChild(body);
    weeks.appendChild(table);
    weeks.appendChild(el("p", { className: "hint", text: "Slot yang bisa tatap muka atau daring dihitung di kedua baris. Kekurangan dijumlahkan dari minggu ke minggu: sisa slot satu minggu melayani minggu berikutnya." }));
  }).catch(ignoreStop);
}

$("e-pk-form").addEventListener("submit", function (e) {
  e.preventDefault();
  var form = e.target, body = { consultant_id: $("e-pk-consultant_id").value, day: $("e-pk-day").value, service: $("e-pk-service").value };
  var out = clear($("e-pk-hasil"));
  submit(form, "e-pk", $("e-pk-hitung"), "POST", "/staff/forecast/what-if", body, function (r) {
    var b = r.before, a = r.after;
    out.appendChild(el("p", { className: "ok-box", text: r.added_seats ?
      "Dengan " + r.consultant_name + " bertugas " + (SHORT_SERVICE[r.service] || r.service) + " pada " + fmtDay(r.day, true) + ": " + fmtNum(r.added_seats) + " slot tambahan." :
      r.consultant_name + " sudah bertugas saat itu (atau hari itu tutup): tidak ada slot tambahan." }));
    var rows = [
      ["Antrean yang terjadwal (penjadwal otomatis)", fmtNum(b.allocator.served) + " dari " + fmtNum(b.allocator.waiting), fmtNum(a.allocator.served) + " dari " + fmtNum(a.allocator.waiting)],
      ["Median waktu tunggu mereka", b.allocator.median_wait === null ? "—" : fmtNum(b.allocator.median_wait) + " hari kerja", a.allocator.median_wait === null ? "—" : fmtNum(a.allocator.median_wait) + " hari kerja"]];
    Object.keys(b.estimates).forEach(function (mode) {
      rows.push(["Pendaftar baru, " + (SHORT_MODE[mode] || mode), words(b.estimates[mode]), words(a.estimates[mode])]);
    });
    out.appendChild(el("table", { className: "list stack", id: "e-pk-banding" }, [
      el("thead", null, [el("tr", null, ["Ukuran", "Sekarang", "Dengan tugas tambahan"].map(function (h) { return el("th", { scope: "col", text: h }); }))]),
      el("tbody", null, rows.map(function (row) {
        return el("tr", null, [el("th", { scope: "row", text: row[0] }), cell("Sekarang", row[1]), cell("Dengan tugas tambahan", row[2])]);
      }))]));
  });
});
