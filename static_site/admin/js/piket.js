/* Jadwal piket: the week grid of who is on duty, weekly patterns, exceptions, copy a week. */
import { $, checkedValues, clear, el, fillSelect, label, setStatus, smallButton } from "./dom.js";
import { BLOCK_NAME, DAYS, SHORT_SERVICE, addDays, fmtDay, fmtRange, fmtShortDay, mondayOf, parseDay,
  todayWIB, validDay } from "./format.js";
import { api, ignoreStop, problem, qs } from "./api.js";
import { clearErrors, showErrors, submit } from "./forms.js";
import { consultantName, consultants, loadConsultants, loaders, meta, thisWeek } from "./state.js";
import { leaveOutcome, showLeavePlan } from "./leave.js";

var week = null;     // Monday of the week shown
var roster = null;   // last GET /staff/roster answer
loaders.piket = function () {
  if (!week) week = thisWeek();
  setStatus("r-status", "Memuat…");
  Promise.all([loadConsultants(), api("GET", "/staff/roster" + qs({ week: week }))]).then(function (all) {
    var cres = all[0], res = all[1];
    if (!cres.ok) return setStatus("r-status", problem(cres));
    if (!res.ok) return setStatus("r-status", problem(res));
    roster = res.body;
    week = roster.week_start || week;
    setStatus("r-status", "");
    renderWeek();
    renderConsultantPickers();
    renderPattern();
    renderExceptions();
  }).catch(ignoreStop);
};
function renderWeek() {
  var days = roster.days && roster.days.length ? roster.days : [0, 1, 2, 3, 4].map(function (i) { return addDays(week, i); });
  $("r-week").textContent = "Minggu " + fmtRange(days[0], days[days.length - 1]);
  $("r-caption").textContent = "Petugas per hari dan blok, minggu " + fmtRange(days[0], days[days.length - 1]);
  var tbody = clear($("r-isi"));
  var services = Object.keys(meta.blocks || SHORT_SERVICE);
  var today = todayWIB();
  days.forEach(function (day) {
    var dd = parseDay(day);
    tbody.appendChild(el("tr", { className: "dayrow" + (day === today ? " today" : "") }, [
      el("th", { scope: "colgroup", colspan: 2 }, [DAYS[dd.getUTCDay()] + ", " + fmtShortDay(day),
        day === today ? el("span", { className: "tag", text: "hari ini" }) : null])]));
    services.forEach(function (service) {
      var duty = (roster.duty || []).filter(function (d) { return d.day === day && d.service === service; })[0] || { consultants: [], off: [] };
      var tr = el("tr", { className: day === today ? "today" : "", "data-day": day, "data-service": service });
      tr.appendChild(el("th", { scope: "row", className: "block" }, [
        el("span", { className: "sr", text: DAYS[dd.getUTCDay()] + " " + fmtShortDay(day) + ", " }),
        (BLOCK_NAME[service] || "") + " · " + (SHORT_SERVICE[service] || label(meta.services, service)),
        el("span", { className: "minor", text: meta.blocks[service] || "" })]));
      var td = el("td", { className: "names" });
      if (duty.closed) {
        td.appendChild(el("span", { className: "closed", text: "Tutup" + (duty.closure_reason ? ": " + duty.closure_reason : "") }));
      } else {
        var ul = el("ul", { className: "chips" });
        (duty.consultants || []).forEach(function (c) {
          var extra = c.source === "tambahan";
          ul.appendChild(el("li", { className: extra ? "chip extra" : "chip", "data-id": c.id, text: c.name + (extra ? " (tambahan)" : "") }));
        });
        (duty.off || []).forEach(function (c) {
          ul.appendChild(el("li", { className: "chip off", "data-id": c.id, text: c.name + " (cuti)" }));
        });
        if (!(duty.consultants || []).length) td.appendChild(el("span", { className: "gap", text: "Belum ada petugas" }));
        if (ul.firstChild) td.appendChild(ul);
      }
      tr.appendChild(td);
      tbody.appendChild(tr);
    });
  });
}
function renderConsultantPickers() {
  var options = consultants.map(function (c) { return [c.id, c.name + (c.active ? "" : " (tidak aktif)")]; });
  ["r-rules-consultant", "r-exc-consultant_id"].forEach(function (id) {
    var s = $(id), keep = s.value;
    fillSelect(s, options, "— pilih konsultan —");
    if (keep) s.value = keep;
  });
  var day = $("r-exc-day");
  if (!day.value || day.value < week || day.value > addDays(week, 6)) day.value = week;
}
function renderPattern() {
  var tbody = clear($("r-pattern-isi"));
  var cid = $("r-rules-consultant").value;
  var rules = (roster && roster.rules || []).filter(function (r) { return r.consultant_id === cid; });
  var services = Object.keys(meta.blocks || SHORT_SERVICE);
  var person = consultants.filter(function (c) { return c.id === cid; })[0];
  var offered = person ? person.services || [] : [];
  var notOffered = services.filter(function (sv) { return person && offered.indexOf(sv) < 0; });
  $("r-rules-hint").textContent = !cid ? "Pilih konsultan untuk melihat dan mengubah pola mingguannya." :
    "Centang hari dan blok yang menjadi tugas tetap konsultan ini setiap minggu." +
    (notOffered.length ? " Konsultan ini tidak melayani " + notOffered.map(function (sv) { return SHORT_SERVICE[sv] || sv; }).join(", ") +
      "; ubah layanannya di bagian Konsultan bila perlu." : "");
  (meta.weekdays || []).forEach(function (dayName, weekday) {
    var tr = el("tr", null, [el("th", { scope: "row", text: dayName })]);
    services.forEach(function (service) {
      var on = rules.some(function (r) { return r.weekday === weekday && r.service === service; });
      var input = el("input", { type: "checkbox", name: "entries", value: weekday + ":" + service, checked: on,
        disabled: !cid || (notOffered.indexOf(service) >= 0 && !on) });
      tr.appendChild(el("td", null, [el("label", { className: "cellbox" }, [input,
        el("span", { className: "sr", text: dayName + ", " + (BLOCK_NAME[service] || "") + " " + (SHORT_SERVICE[service] || service) })])]));
    });
    tbody.appendChild(tr);
  });
}
$("r-rules-consultant").addEventListener("change", function () { setStatus("r-rules-status", ""); clearErrors($("r-rules"), "r-rules"); renderPattern(); });
$("r-rules").addEventListener("submit", function (e) {
  e.preventDefault();
  var form = e.target, cid = $("r-rules-consultant").value;
  if (!cid) { showErrors(form, "r-rules", { _form: "Pilih konsultan dulu." }); return; }
  var entries = checkedValues(form, "entries").map(function (v) { var p = v.split(":"); return { weekday: +p[0], service: p[1] }; });
  submit(form, "r-rules", $("r-rules-simpan"), "PUT", "/staff/roster/rules/" + encodeURIComponent(cid), { entries: entries }, function () {
    loaders.piket();
    setStatus("r-rules-status", "Pola mingguan " + consultantName(cid) + " disimpan.");
  });
});
function renderExceptions() {
  var ul = clear($("r-exc-isi"));
  var list = (roster.exceptions || []).slice().sort(function (a, b) { return (a.day + a.service).localeCompare(b.day + b.service); });
  if (!list.length) { ul.appendChild(el("li", { className: "hint", text: "Tidak ada pengecualian minggu ini." })); return; }
  list.forEach(function (x) {
    var name = consultantName(x.consultant_id);
    var what = fmtDay(x.day) + " · " + (SHORT_SERVICE[x.service] || x.service) + " · " + name + " · " + (x.kind === "cuti" ? "cuti" : "tugas tambahan");
    var li = el("li", { className: "row" }, [el("span", { className: x.kind === "cuti" ? "chip off" : "chip extra", text: what })]);
    li.appendChild(smallButton("Hapus", "secondary", function (ev) {
      ev.target.disabled = true;
      api("DELETE", "/staff/roster/exceptions/" + [x.consultant_id, x.day, x.service].map(encodeURIComponent).join("/")).then(function (res) {
        if (!res.ok) { ev.target.disabled = false; return setStatus("r-exc-status", problem(res)); }
        setStatus("r-exc-status", "Pengecualian dihapus.");
        loaders.piket();
      }).catch(ignoreStop);
    }, "Hapus pengecualian: " + what));
    ul.appendChild(li);
  });
}
$("r-exc").addEventListener("submit", function (e) {
  e.preventDefault();
  var form = e.target;
  var body = {
    consultant_id: form.elements.consultant_id.value, day: form.elements.day.value,
    service: form.elements.service.value, kind: (form.querySelector("input[name=kind]:checked") || {}).value
  };
  var local = {};
  if (!body.consultant_id) local.consultant_id = "Pilih konsultan.";
  if (!validDay(body.day)) local.day = "Isi tanggal.";
  if (Object.keys(local).length) return showErrors(form, "r-exc", local);
  saveException(form, body);
});
// Leave over booked sessions: the server says first what it will do with them (409 needs_confirm);
// staff confirm, and it saves the leave and moves or requeues them.
var excPending = null;
function saveException(form, body) {
  $("r-exc-confirm").hidden = true; excPending = null;
  clearErrors(form, "r-exc");
  $("r-exc-simpan").disabled = true;
  api("POST", "/staff/roster/exceptions", body).then(function (res) {
    $("r-exc-simpan").disabled = false;
    if (res.status === 409 && res.body && res.body.needs_confirm) {
      showLeavePlan($("r-exc-tanya"), consultantName(body.consultant_id) + ", " + fmtDay(body.day), res.body.affected || []);
      excPending = body; $("r-exc-confirm").hidden = false; $("r-exc-ya").focus();
      return;
    }
    if (!res.ok) return showErrors(form, "r-exc", (res.body && res.body.errors) || { _form: problem(res) });
    setStatus("r-exc-status", "Pengecualian disimpan: " + consultantName(body.consultant_id) + ", " + fmtDay(body.day) + "." +
      (body.kind === "cuti" ? " " + leaveOutcome(res.body) : ""));
    if (body.day < week || body.day > addDays(week, 6)) week = mondayOf(body.day);
    loaders.piket();
  }).catch(function (e) { $("r-exc-simpan").disabled = false; ignoreStop(e); });
}
$("r-exc-ya").addEventListener("click", function () {
  if (excPending) saveException($("r-exc"), Object.assign({}, excPending, { confirm: true }));
});
$("r-exc-tidak").addEventListener("click", function () {
  $("r-exc-confirm").hidden = true; excPending = null; setStatus("r-exc-status", "Cuti tidak disimpan; sesinya tetap.");
});
$("r-exc").addEventListener("change", function () { $("r-exc-confirm").hidden = true; excPending = null; });
function moveWeek(n) { week = n === 0 ? thisWeek() : addDays(week, 7 * n); setStatus("r-copy-status", ""); loaders.piket(); }
$("r-prev").addEventListener("click", function () { moveWeek(-1); });
$("r-next").addEventListener("click", function () { moveWeek(1); });
$("r-now").addEventListener("click", function () { moveWeek(0); });
$("r-copy").addEventListener("click", function () {
  var btn = $("r-copy"), from = week, to = addDays(week, 7);
  btn.disabled = true;
  setStatus("r-copy-status", "Menyalin…");
  api("POST", "/staff/roster/copy-week", { from_week: from, to_week: to }).then(function (res) {
    btn.disabled = false;
    if (!res.ok) return setStatus("r-copy-status", problem(res));
    var n = res.body.changed || 0;
    setStatus("r-copy-status", "Minggu " + fmtRange(from, addDays(from, 4)) + " disalin ke minggu " + fmtRange(to, addDays(to, 4)) + ": " + n + " perubahan.");
  }).catch(function (e) { btn.disabled = false; ignoreStop(e); });
});
