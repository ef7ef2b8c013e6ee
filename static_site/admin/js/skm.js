/* Evaluasi → SKM: the IKM of a month, semester or year (PermenPANRB 14/2017), the weakest unsur,
   the office's tindak lanjut, the workbook and the page to print on A4. */
import { $, clear, el, setStatus, text } from "./dom.js";
import { fmtNum } from "./format.js";
import { api, apiFile, ignoreStop, problem, saveFile } from "./api.js";
import { clearErrors, showErrors } from "./forms.js";
import { loaders, today } from "./state.js";
import { numbersTable } from "./charts.js";

var MONTHS = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober", "November", "Desember"];
var shown = null;
/** "83.33" -> "83,33": numbers as Indonesian readers write them. */
function dec(x) { return x ? String(x).replace(".", ",") : "–"; }

/** This month and the eleven before it, the semesters and years that have begun (two years back). */
function periods() {
  var t = today(), y = parseInt(t.slice(0, 4), 10), m = parseInt(t.slice(5, 7), 10), out = [];
  for (var i = 0; i < 12; i++) {
    var mm = m - i, yy = y;
    while (mm < 1) { mm += 12; yy -= 1; }
    out.push([yy + "-" + (mm < 10 ? "0" : "") + mm, MONTHS[mm - 1] + " " + yy]);
  }
  [y, y - 1].forEach(function (yy) {
    if (yy < y || m >= 7) out.push([yy + "-S2", "Semester II " + yy]);
    out.push([yy + "-S1", "Semester I " + yy]);
    out.push(["" + yy, "Tahun " + yy]);
  });
  return out;
}

var oldLoader = loaders.evaluasi;
loaders.evaluasi = function (arg, changed) {
  oldLoader(arg, changed);
  var sel = $("e-skm-period");
  if (!sel.options.length) periods().forEach(function (p) { sel.appendChild(el("option", { value: p[0], text: p[1] })); });
  if (changed) { showSkm(); showOutcomes(); }
};

function showOutcomes() {
  setStatus("e-hasil-status", "Memuat hasil…");
  api("GET", "/staff/outcomes").then(function (res) {
    if (!res.ok) return setStatus("e-hasil-status", problem(res));
    var box = clear($("e-hasil-isi")), any = false;
    res.body.cohorts.forEach(function (c) {
      var rows = [];
      c.services.forEach(function (s) {
        if (!s.asked) return;
        rows.push([s.label.replace("Konsultasi ", "") + ": menjawab", fmtNum(s.answered) + " dari " + fmtNum(s.asked) + " (" + pctOf(s.answer_rate) + ")"]);
        s.answers.forEach(function (a) {
          if (a.count) rows.push(["· " + a.label, fmtNum(a.count) + " (" + pctOf(a.share) + " dari " + fmtNum(s.answered) + ")"]);
        });
      });
      if (!rows.length) return;
      any = true;
      box.appendChild(el("h3", { text: "Sesi " + monthName(c.month) }));
      box.appendChild(el("div", { className: "table-wrap" }, [numbersTable(["Jawaban", "Jumlah"], rows)]));
    });
    if (!any) box.appendChild(el("p", { text: "Belum ada pertanyaan hasil yang terkirim (sesi paling awal belum 90 hari)." }));
    setStatus("e-hasil-status", "");
  }).catch(ignoreStop);
}
function showCosts(month) {
  setStatus("e-biaya-status", "Memuat biaya…");
  api("GET", "/staff/costs" + (month ? "?month=" + month : "")).then(function (res) {
    if (!res.ok) return setStatus("e-biaya-status", problem(res));
    var c = res.body, box = clear($("e-biaya-isi"));
    var rows = c.categories.filter(function (x) { return x.messages; }).map(function (x) { return [x.label, fmtNum(x.messages), usd(x.usd)]; });
    rows.push(["Jumlah " + monthName(c.month), fmtNum(c.messages), usd(c.usd)]);
    box.appendChild(el("div", { className: "table-wrap" }, [numbersTable(["Kategori", "Pesan", "US$"], rows)]));
    box.appendChild(el("p", { text: c.usd_per_session === null ? "Belum ada sesi yang dihadiri bulan ini: biaya per sesi belum bisa dihitung."
      : "Per sesi yang dihadiri: US$ " + usd(c.usd_per_session) + " (" + usd(c.usd) + " ÷ " + fmtNum(c.attended_sessions) + " sesi)." }));
    setStatus("e-biaya-status", "");
  }).catch(ignoreStop);
}
function usd(x) { return (Math.round(x * 100) / 100).toFixed(2).replace(".", ","); }
function pctOf(x) { return x === null || x === undefined ? "–" : String(Math.round(x * 1000) / 10).replace(".", ",") + "%"; }
function monthName(m) { return MONTHS[parseInt(m.slice(5, 7), 10) - 1] + " " + m.slice(0, 4); }

var skmRequest = 0;
function showSkm() {
  var period = $("e-skm-period").value, mine = ++skmRequest;
  setStatus("e-skm-status", "Memuat SKM…");
  // Until the new period answers, neither its figures nor a text box that its answer would overwrite.
  shown = null;
  clear($("e-skm-isi"));
  $("e-skm-tl-form").hidden = true;
  api("GET", "/staff/skm?period=" + encodeURIComponent(period)).then(function (res) {
    if (mine !== skmRequest) return;  // a later choice (or the section's own load) answers instead
    if (!res.ok) { setStatus("e-skm-status", ""); return showErrors($("e-skm-form"), "e-skm", (res.body && res.body.errors) || { _form: problem(res) }); }
    clearErrors($("e-skm-form"), "e-skm");
    setStatus("e-skm-status", "");
    shown = res.body;
    render(res.body);
    showCosts(/^\d{4}-\d{2}$/.test(res.body.period) ? res.body.period : null);
  }).catch(ignoreStop);
}

function render(r) {
  var box = clear($("e-skm-isi")), i = r.index;
  if (!i.ikm) {
    box.appendChild(el("p", { text: "Belum ada jawaban survei pada " + r.label + "." }));
  } else {
    box.appendChild(el("div", { className: "tiles" }, [
      tile(dec(i.conversion), "IKM konversi (×25)", "IKM " + dec(i.ikm) + " · " + fmtNum(i.respondents) + " responden"),
      tile(i.grade, "mutu pelayanan", i.grade_label)]));
    if (i.weakest) box.appendChild(el("p", { className: "callout", text: "Unsur terendah: " + i.weakest.unsur + " (NRR " + dec(i.weakest.nrr) + ")." }));
    if (!i.complete) box.appendChild(el("p", { className: "hint", text: "Ada unsur yang belum dijawab siapa pun pada periode ini; IKM dari unsur yang terjawab." }));
    box.appendChild(el("div", { className: "table-wrap" }, [numbersTable(["Unsur", "NRR", "Bobot 1/9"],
      i.unsur.map(function (u, n) { return ["U" + (n + 1) + " " + u.unsur, dec(u.nrr), dec(u.weighted)]; }))]));
    box.appendChild(el("div", { className: "table-wrap" }, [numbersTable(["Layanan", "Resp.", "Nilai", "Mutu"],
      r.services.map(function (s) {
        var x = s.index;
        return [s.label.replace("Konsultasi ", ""), fmtNum(x.respondents), dec(x.conversion), x.grade || "–"];
      }))]));
  }
  $("e-skm-tl-form").hidden = false;
  $("e-skm-text").value = r.follow_up ? r.follow_up.text : "";
  setStatus("e-skm-tl-status", r.follow_up ? "Disimpan oleh " + text(r.follow_up.by) + "." : "");
}
function tile(big, what, minor) {
  return el("div", { className: "tile" }, [el("p", { className: "big", text: big }), el("p", { className: "what", text: what }),
    el("p", { className: "minor", text: minor })]);
}

$("e-skm-form").addEventListener("submit", function (e) { e.preventDefault(); showSkm(); });
$("e-skm-tl-form").addEventListener("submit", function (e) {
  e.preventDefault();
  if (!shown) return;
  var form = $("e-skm-tl-form");
  setStatus("e-skm-tl-status", "Menyimpan…");
  api("PUT", "/staff/skm/" + shown.period + "/tindak-lanjut", { text: $("e-skm-text").value }).then(function (res) {
    if (!res.ok) { setStatus("e-skm-tl-status", ""); return showErrors(form, "e-skm-tl", (res.body && res.body.errors) || { _form: problem(res) }); }
    clearErrors(form, "e-skm-tl");
    setStatus("e-skm-tl-status", "Tindak lanjut " + shown.label + " disimpan.");
  }).catch(ignoreStop);
});
function download(kind) {
  if (!shown) return;
  var type = kind === "xlsx" ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" : "text/html";
  setStatus("e-skm-tl-status", "Menyiapkan…");
  apiFile("/staff/skm/" + shown.period + "/laporan." + kind, type).then(function (res) {
    if (!res.ok) return setStatus("e-skm-tl-status", problem(res));
    saveFile(res.blob, res.filename || "skm-clean-and-clear-" + shown.period + "." + kind);
    setStatus("e-skm-tl-status", kind === "html" ? "Halaman cetak diunduh: buka lalu cetak (A4)." : "XLSX diunduh.");
  }).catch(ignoreStop);
}
$("e-skm-xlsx").addEventListener("click", function () { download("xlsx"); });
$("e-skm-cetak").addEventListener("click", function () { download("html"); });
