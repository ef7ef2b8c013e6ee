/* Sesi: day and week views, the allocation run, a consultant's day off, session detail (attendance,
   cancel, move) and the consultant's notes. */
import { $, clear, el, fillSelect, label, listLabels, safeUrl, setStatus, smallButton, text } from "./dom.js";
import { SHORT_MODE, SHORT_SERVICE, addDays, ended, fmtClock, fmtDay, fmtInstant, fmtPhone, fmtRange, mondayOf, parseDay, todayWIB, waHref,
  validDay, workingDayFrom } from "./format.js";
import { api, ignoreStop, problem, qs } from "./api.js";
import { clearErrors, showErrors, submit } from "./forms.js";
import { consultantName, consultants, currentView, loadConsultants, loadRooms, loaders, meta, rooms, thisWeek, today } from "./state.js";
import { SESSION_HOLDING, confirmedTag, walkInTag, isCancelled, sessionLabel, sessionPlace, sessionTime, sessionWhen, statusBadge,
  statusSummary } from "./sessioninfo.js";
import { makePicker } from "./picker.js";
import { leaveOutcome, showLeavePlan } from "./leave.js";

var se = { view: "hari", day: null, items: [], request: 0, dirty: false, opened: null, back: null };
/** Monday to Friday of the week of `day`, or the day itself. */
function seRange() {
  if (se.view === "minggu") { var m = mondayOf(se.day); return { from: m, to: addDays(m, 4) }; }
  return { from: se.day, to: se.day };
}
loaders.sesi = function (arg) {
  if (arg && validDay(arg)) { se.view = "hari"; se.day = arg; }
  else if (arg && arg.indexOf("minggu-") === 0 && validDay(arg.slice(7))) { se.view = "minggu"; se.day = arg.slice(7); }
  if (!se.day) se.day = workingDayFrom(today());
  closeSessionDetail(false);
  Promise.all([loadConsultants(), loadRooms()]).then(function () {
    fillWho();
    fillSelect($("se-cd-consultant_id"), consultants.map(function (c) { return [c.id, c.name]; }), "— pilih konsultan —");
    loadSessions();
  }).catch(ignoreStop);
};
function fillWho() {
  var s = $("se-who"), keep = s.value || "by:konsultan";
  clear(s);
  s.appendChild(el("option", { value: "by:konsultan", text: "Semua, per konsultan" }));
  s.appendChild(el("option", { value: "by:ruang", text: "Semua, per ruang" }));
  var gk = el("optgroup", { label: "Satu konsultan" });
  consultants.forEach(function (c) { gk.appendChild(el("option", { value: "k:" + c.id, text: c.name })); });
  var gr = el("optgroup", { label: "Satu ruang" });
  rooms.forEach(function (r) { gr.appendChild(el("option", { value: "r:" + r.id, text: r.name })); });
  s.appendChild(gk); s.appendChild(gr);
  s.value = keep;
  if (s.value !== keep) s.value = "by:konsultan";
}
function seGroupBy() { var w = $("se-who").value || "by:konsultan"; return w === "by:ruang" || w.indexOf("r:") === 0 ? "ruang" : "konsultan"; }
function loadSessions() {
  var form = $("se-form");
  clearErrors(form, "se");
  $("se-view").value = se.view;
  $("se-day").value = se.day;
  var range = seRange(), who = $("se-who").value || "by:konsultan";
  var params = { from: range.from, to: range.to };
  if (who.indexOf("k:") === 0) params.consultant_id = who.slice(2);
  if (who.indexOf("r:") === 0) params.room_id = who.slice(2);
  if (currentView === "sesi") history.replaceState(null, "", "#/sesi/" + (se.view === "minggu" ? "minggu-" + range.from : se.day));
  $("se-label").textContent = se.view === "minggu" ? "Minggu " + fmtRange(range.from, range.to) : fmtDay(se.day, true);
  $("se-prev-label").textContent = se.view === "minggu" ? "Minggu lalu" : "Hari sebelumnya";
  $("se-next-label").textContent = se.view === "minggu" ? "Minggu depan" : "Hari berikutnya";
  $("se-now").textContent = se.view === "minggu" ? "Minggu ini" : "Hari ini";
  setStatus("se-status", "Memuat…");
  var mine = ++se.request;
  return api("GET", "/staff/sessions" + qs(params)).then(function (res) {
    if (mine !== se.request) return;
    if (!res.ok) { setStatus("se-status", ""); clear($("se-isi")); return showErrors(form, "se", (res.body && res.body.errors) || { _form: problem(res) }); }
    se.items = res.body.items || [];
    se.dirty = false;
    renderSessions();
  }).catch(ignoreStop);
}
function renderSessions() {
  var range = seRange(), box = clear($("se-isi"));
  var all = se.items, withCancelled = $("se-batal").checked;
  var shown = all.filter(function (s) { return withCancelled || !isCancelled(s); });
  var hiddenN = all.length - shown.length;
  var where = se.view === "minggu" ? "Minggu " + fmtRange(range.from, range.to) : fmtDay(se.day, true);
  var active = all.filter(function (s) { return !isCancelled(s); });
  var cancelledN = all.length - active.length;
  setStatus("se-status", where + ": " + (active.length ? active.length + " sesi (" + statusSummary(active) + ")" : "belum ada sesi") +
    (hiddenN ? "; " + hiddenN + " sesi dibatalkan atau dipindah tidak ditampilkan." : cancelledN ? "; " + cancelledN + " sesi dibatalkan atau dipindah." : "."));
  if (se.view === "minggu") return renderSessionWeek(box, shown, range);
  var groups = groupSessions(shown);
  if (!groups.length) {
    box.appendChild(el("p", { className: "card hint", text: "Belum ada sesi pada hari ini. Pendaftar yang menunggu dijadwalkan oleh penjadwalan otomatis (atau tombol di atas), atau tetapkan jadwal dari rincian pendaftaran." }));
    return;
  }
  var list = el("div", { className: "days-list" });
  groups.forEach(function (g) {
    var art = el("article", { className: "card sgroup", "data-group": g.key }, [
      el("h2", null, [g.name, el("span", { className: "minor inline", text: g.items.length + " sesi" })])]);
    var ul = el("ul", { className: "sesslist" });
    g.items.forEach(function (s) {
      var other = g.kind === "konsultan" ? sessionPlace(s) : s.consultant_name + (g.kind === "ruang" && s.mode !== "tatap_muka" ? " · " + sessionPlace(s) : "");
      ul.appendChild(el("li", { className: "sess st-" + s.status, "data-id": s.id, "data-ref": s.reference }, [
        el("p", { className: "when" }, [sessionTime(s), " ", statusBadge(s), walkInTag(s) || (s.fixed ? el("span", { className: "tag manual", text: "manual" }) : null), confirmedTag(s)]),
        el("p", { className: "who" }, [el("strong", { text: text(s.name) }), s.org_name ? el("span", { className: "minor", text: s.org_name }) : null]),
        el("p", { className: "minor", text: (SHORT_SERVICE[s.service] || label(meta.services, s.service)) + " · " + other }),
        smallButton("Rincian", "secondary open", function (ev) { openSession(s, ev.target); }, "Rincian sesi " + sessionTime(s) + " " + text(s.name))
      ]));
    });
    art.appendChild(ul);
    if (g.kind === "konsultan" && g.items.some(function (s) { return s.status === "terjadwal"; })) {
      art.appendChild(el("div", { className: "gfoot" }, [smallButton("Berhalangan? Batalkan hari ini…", "secondary", function () { prepareCancelDay(g.key, se.day); },
        "Batalkan hari " + g.name + ", " + fmtDay(se.day, true))]));
    }
    list.appendChild(art);
  });
  box.appendChild(list);
}
function groupSessions(items) {
  var by = seGroupBy(), groups = {}, order = [];
  items.forEach(function (s) {
    var key = by === "ruang" ? (s.room_id || "-daring") : s.consultant_id;
    var name = by === "ruang" ? (s.room_id ? s.room_name || s.room_id : "Daring (tanpa ruang)") : s.consultant_name || consultantName(s.consultant_id);
    if (!groups[key]) { groups[key] = { key: key, name: name, kind: by === "ruang" ? (s.room_id ? "ruang" : "daring") : "konsultan", items: [] }; order.push(key); }
    groups[key].items.push(s);
  });
  return order.map(function (k) { return groups[k]; }).sort(function (a, b) {
    return (a.kind === "daring") - (b.kind === "daring") || String(a.name).localeCompare(String(b.name), "id");
  }).map(function (g) { g.items.sort(function (a, b) { return String(a.start).localeCompare(String(b.start)); }); return g; });
}
function renderSessionWeek(box, shown, range) {
  var today = todayWIB();
  var tbl = el("table", { className: "grid week-sessions" }, [
    el("caption", { className: "sr", text: "Sesi per hari, minggu " + fmtRange(range.from, range.to) }),
    el("thead", null, [el("tr", null, [el("th", { scope: "col", text: seGroupBy() === "ruang" ? "Ruang" : "Konsultan" }), el("th", { scope: "col", text: "Sesi" })])])]);
  var tb = el("tbody");
  for (var i = 0; i < 5; i++) {
    var day = addDays(range.from, i);
    var items = shown.filter(function (s) { return s.day === day; });
    var open = el("button", { type: "button", className: "link", text: fmtDay(day, true) + " · " + items.length + " sesi",
      "aria-label": "Lihat hari " + fmtDay(day, true) + ", " + items.length + " sesi" });
    open.addEventListener("click", (function (d) { return function () { se.view = "hari"; se.day = d; loadSessions(); $("se-label").focus(); }; })(day));
    tb.appendChild(el("tr", { className: "dayrow" + (day === today ? " today" : ""), "data-day": day }, [
      el("th", { scope: "colgroup", colspan: 2 }, [open, day === today ? el("span", { className: "tag", text: "hari ini" }) : null])]));
    var groups = groupSessions(items);
    if (!groups.length) tb.appendChild(el("tr", { className: "empty" }, [el("td", { colspan: 2, text: "Belum ada sesi." })]));
    groups.forEach(function (g) {
      var ul = el("ul", { className: "chips" });
      g.items.forEach(function (s) {
        var b = el("button", { type: "button", className: "chip st-" + s.status, "data-id": s.id,
          "aria-label": sessionTime(s) + " " + text(s.name) + ", " + sessionLabel(s) + (s.walk_in ? ", datang langsung" : "") + ". Buka rincian." },
          [String(s.start_wib || "").slice(11).replace(":", ".") + " " + text(s.name), walkInTag(s)]);
        b.addEventListener("click", function (ev) { openSession(s, ev.currentTarget); });
        ul.appendChild(el("li", null, [b]));
      });
      tb.appendChild(el("tr", { "data-day": day, "data-group": g.key }, [
        el("th", { scope: "row", className: "block" }, [g.name, el("span", { className: "minor", text: g.items.length + " sesi" })]),
        el("td", { className: "names" }, [ul])]));
    });
  }
  tbl.appendChild(tb);
  box.appendChild(el("div", { className: "table-wrap" }, [tbl]));
}
function seMove(n) {
  if (n === 0) se.day = se.view === "minggu" ? thisWeek() : workingDayFrom(today());
  else if (se.view === "minggu") se.day = addDays(mondayOf(se.day), 7 * n);
  else { var d = addDays(se.day, n); var wd = parseDay(d).getUTCDay(); if (wd === 6) d = addDays(d, n > 0 ? 2 : -1); if (wd === 0) d = addDays(d, n > 0 ? 1 : -2); se.day = d; }
  loadSessions();
}
$("se-prev").addEventListener("click", function () { seMove(-1); });
$("se-next").addEventListener("click", function () { seMove(1); });
$("se-now").addEventListener("click", function () { seMove(0); });
$("se-form").addEventListener("submit", function (e) { e.preventDefault(); });
$("se-form").addEventListener("change", function (e) {
  if (e.target.id === "se-day") {
    if (!validDay($("se-day").value)) return showErrors($("se-form"), "se", { day: "Isi tanggal." });
    se.day = $("se-day").value;
  }
  if (e.target.id === "se-view") se.view = $("se-view").value;
  if (e.target.id === "se-batal") return renderSessions();
  loadSessions();
});

// "Run now" starts a run in the background (202 with its id); the page watches it until it ends.
var RUN_POLL_MS = 1500;
$("se-run").addEventListener("click", function () {
  var btn = $("se-run");
  btn.disabled = true;
  setStatus("se-run-status", "Memulai penjadwalan…");
  api("POST", "/staff/allocation/run", {}).then(function (res) {
    if (!res.ok) { btn.disabled = false; return setStatus("se-run-status", problem(res)); }
    if (res.body.already_running) setStatus("se-run-status", "Penjadwalan sedang berjalan; kemajuannya ditampilkan di sini.");
    watchRun(res.body, btn);
  }).catch(function (e) { btn.disabled = false; ignoreStop(e); });
});
function watchRun(run, btn) {
  if (run.finished) {
    btn.disabled = false;
    setStatus("se-run-status", run.status === "gagal" ? "Penjadwalan gagal; coba lagi sebentar lagi." : allocationSentence(run));
    return loadSessions();
  }
  if (run.status === "berjalan" || run.status === "berlanjut") {
    setStatus("se-run-status", "Penjadwalan berjalan: " + (run.booked || 0) + " dari " + (run.waiting || 0) +
      " pendaftar sudah mendapat jadwal…");
  }
  setTimeout(function () {
    api("GET", "/staff/allocation/runs/" + encodeURIComponent(run.run_id)).then(function (res) {
      if (!res.ok) { btn.disabled = false; return setStatus("se-run-status", problem(res)); }
      watchRun(res.body, btn);
    }).catch(function (e) { btn.disabled = false; ignoreStop(e); });
  }, RUN_POLL_MS);
}
function allocationSentence(r) {
  var waiting = r.waiting || 0, booked = r.booked || 0, conflicts = r.conflicts || 0, expired = r.expired || 0;
  var when = "Penjadwalan selesai pukul " + fmtClock(new Date().toISOString()).replace(/\.\d\d WIB$/, " WIB") + ": ";
  if (!waiting) return when + "tidak ada pendaftar yang menunggu jadwal.";
  var parts = [booked + " dari " + waiting + " pendaftar yang menunggu mendapat jadwal"];
  if (conflicts) parts.push(conflicts + " bentrok dengan perubahan lain dan akan dicoba lagi pada putaran berikutnya");
  if (expired) parts.push(expired + " kedaluwarsa karena tidak ada tanggal pilihannya yang dapat dilayani (pendaftar diminta memilih tanggal baru)");
  var rest = waiting - booked - expired;
  if (rest > 0) parts.push(rest + " masih menunggu slot yang cocok");
  return when + parts.join("; ") + ".";
}

// Cancel a consultant's day: check first (how many sessions), then confirm.
function prepareCancelDay(consultantId, day) {
  var det = $("se-cd");
  det.open = true;
  $("se-cd-consultant_id").value = consultantId;
  $("se-cd-day").value = day;
  $("se-cd-service").value = "";
  det.scrollIntoView({ block: "start" });
  checkCancelDay();
}
var cdPending = null;
function checkCancelDay() {
  var form = $("se-cd-form");
  var body = { consultant_id: $("se-cd-consultant_id").value, day: $("se-cd-day").value, service: $("se-cd-service").value || null };
  var local = {};
  if (!body.consultant_id) local.consultant_id = "Pilih konsultan.";
  if (!validDay(body.day)) local.day = "Isi tanggal.";
  $("se-cd-confirm").hidden = true;
  cdPending = null;
  if (Object.keys(local).length) return showErrors(form, "se-cd", local);
  clearErrors(form, "se-cd");
  setStatus("se-cd-status", "Memeriksa…");
  api("GET", "/staff/consultants/" + encodeURIComponent(body.consultant_id) + "/leave-plan" + qs({ day: body.day, service: body.service || "" })).then(function (res) {
    setStatus("se-cd-status", "");
    if (!res.ok) return showErrors(form, "se-cd", (res.body && res.body.errors) || { _form: problem(res) });
    var who = consultantName(body.consultant_id) + ", " + fmtDay(body.day, true) + " (" + (body.service ? label(meta.services, body.service) : "semua layanannya") + ")";
    showLeavePlan($("se-cd-tanya"), who, res.body.affected || []);
    cdPending = body;
    $("se-cd-confirm").hidden = false;
    $("se-cd-ya").focus();
  }).catch(ignoreStop);
}
$("se-cd-form").addEventListener("submit", function (e) { e.preventDefault(); checkCancelDay(); });
$("se-cd-form").addEventListener("change", function () { $("se-cd-confirm").hidden = true; cdPending = null; });
$("se-cd-tidak").addEventListener("click", function () { $("se-cd-confirm").hidden = true; cdPending = null; setStatus("se-cd-status", "Tidak jadi dibatalkan."); $("se-cd-periksa").focus(); });
$("se-cd-ya").addEventListener("click", function () {
  var body = cdPending, btn = $("se-cd-ya");
  if (!body) return;
  btn.disabled = true;
  api("POST", "/staff/consultants/" + encodeURIComponent(body.consultant_id) + "/cancel-day", { day: body.day, service: body.service }).then(function (res) {
    btn.disabled = false;
    if (!res.ok) { $("se-cd-confirm").hidden = true; return showErrors($("se-cd-form"), "se-cd", (res.body && res.body.errors) || { _form: problem(res) }); }
    $("se-cd-confirm").hidden = true;
    cdPending = null;
    setStatus("se-cd-status", consultantName(body.consultant_id) + " dicatat cuti pada " + fmtDay(body.day, true) + ": " + leaveOutcome(res.body));
    $("se-cd-periksa").focus();
    loadSessions();
  }).catch(function (e) { btn.disabled = false; ignoreStop(e); });
});

// Session detail
function openSession(s, from) {
  se.opened = s;
  var holder = from && from.closest ? from.closest("[data-id]") : null;
  se.back = holder ? holder.getAttribute("data-id") : null;
  $("se-jadwal").hidden = true;
  $("se-detail").hidden = false;
  setStatus("se-d-status", "");
  renderSessionDetail();
  $("h-se-detail").focus();
  window.scrollTo(0, 0);
  loadNotesForStaff(s.id);
}
function closeSessionDetail(refocus) {
  var wasOpen = !$("se-detail").hidden;
  $("se-detail").hidden = true;
  $("se-jadwal").hidden = false;
  movePicker.close();
  $("se-c-form").hidden = true;
  if (!wasOpen || !refocus) return;
  var want = se.back;
  var done = function () {
    var holder = want && $("se-isi").querySelector("[data-id='" + want.replace(/[^A-Za-z0-9_-]/g, "") + "']");
    var target = holder && (holder.tagName === "BUTTON" ? holder : holder.querySelector("button.open"));
    (target || $("h-sesi")).focus();
  };
  if (se.dirty) { var p = loadSessions(); if (p && p.then) p.then(done); } else done();
}
$("se-kembali").addEventListener("click", function () { closeSessionDetail(true); });
function renderSessionDetail() {
  var s = se.opened, dl = clear($("se-d-isi"));
  // The session by its visitor and time (the code stays in the details below).
  $("se-d-ref").textContent = text(s.name || s.reference || "") + " · " + sessionWhen(s);
  function row(name, value, field) {
    dl.appendChild(el("dt", { text: name }));
    var dd = el("dd", { "data-field": field });
    if (value && value.nodeType) dd.appendChild(value); else dd.textContent = text(value);
    dl.appendChild(dd);
  }
  row("Waktu", sessionWhen(s), "when");
  row("Status", el("span", null, [statusBadge(s), walkInTag(s), confirmedTag(s)]), "status");
  row("Pendaftar", el("span", null, [el("strong", { text: text(s.name) }), s.org_name ? el("span", { className: "minor", text: s.org_name }) : null]), "name");
  row("Kode pendaftaran", el("a", { href: "#/pendaftaran/" + encodeURIComponent(String(s.reference || "").replace(/-/g, "")), className: "ref-link", text: s.reference }), "reference");
  row("WhatsApp", s.whatsapp ? el("a", { href: waHref(s.whatsapp), target: "_blank", rel: "noopener", text: fmtPhone(s.whatsapp) }) : "—", "whatsapp");
  row("Topik", listLabels(meta.topics, s.topics), "topics");
  row("Layanan", label(meta.services, s.service), "service");
  row("Konsultan", s.consultant_name || consultantName(s.consultant_id), "consultant");
  row("Tempat", sessionPlace(s), "place");
  if (s.meeting) {
    var url = safeUrl(s.meeting.join_url);
    var failed = s.meeting.state === "gagal";
    var retry = failed ? el("button", { type: "button", className: "small secondary", id: "se-d-zoom-ulang", text: "Coba lagi" }) : null;
    row("Zoom", el("span", null, [s.meeting.state_label || s.meeting.state || "—",
      url ? el("span", { className: "minor" }, [el("a", { href: url, target: "_blank", rel: "noopener noreferrer", text: "Tautan rapat" })]) : null,
      s.meeting.error ? el("span", { className: "minor", text: (failed ? "Yang perlu dilakukan: " : "Catatan: ") + s.meeting.error }) : null,
      retry ? el("span", { className: "actions" }, [retry]) : null]), "meeting");
    if (retry) retry.addEventListener("click", function () { retryMeeting(s, retry); });
  }
  row("Dijadwalkan oleh", s.fixed ? "Petugas (tidak dipindah penjadwalan otomatis)" : "Penjadwalan otomatis", "fixed");
  var holding = SESSION_HOLDING.indexOf(s.status) >= 0;
  $("se-d-aksi").hidden = !holding;
  $("se-d-ubah").hidden = s.status !== "terjadwal";
  $("se-d-hadir-ya").setAttribute("aria-pressed", String(s.status === "hadir"));
  $("se-d-hadir-tidak").setAttribute("aria-pressed", String(s.status === "tidak_hadir"));
  // Attendance only once the session has begun: before, the buttons say why they wait.
  var early = Date.parse(s.start) > Date.now();
  $("se-d-hadir-ya").disabled = $("se-d-hadir-tidak").disabled = early;
  setStatus("se-d-hadir-hint", early ? "Kehadiran dapat dicatat setelah sesi dimulai (" + sessionWhen(s) + ")." : "");
  $("se-d-err-_form").hidden = true;
}
function sessionChanged(updated, message) {
  var old = se.opened;
  ["name", "org_name", "topics", "whatsapp", "description"].forEach(function (k) { if (updated[k] === undefined) updated[k] = old[k]; });
  se.opened = updated;
  se.dirty = true;
  renderSessionDetail();
  setStatus("se-d-status", message);
}
function sessionActionError(res) {
  var box = $("se-d-err-_form");
  var errs = (res.body && res.body.errors) || {};
  box.textContent = Object.keys(errs).length ? Object.keys(errs).map(function (k) { return errs[k]; }).join(" ") : problem(res);
  box.hidden = false;
  box.focus && box.scrollIntoView({ block: "nearest" });
}
function markAttendance(status, btn) {
  var s = se.opened;
  $("se-d-err-_form").hidden = true;
  btn.disabled = true;
  api("POST", "/staff/sessions/" + encodeURIComponent(s.id) + "/attendance", { status: status }).then(function (res) {
    btn.disabled = false;
    if (!res.ok) return sessionActionError(res);
    sessionChanged(res.body, "Kehadiran dicatat: " + sessionLabel(res.body) + ".");
  }).catch(function (e) { btn.disabled = false; ignoreStop(e); });
}
function retryMeeting(s, btn) {
  btn.disabled = true;
  api("POST", "/staff/sessions/" + encodeURIComponent(s.id) + "/meeting/retry", {}).then(function (res) {
    btn.disabled = false;
    if (!res.ok) return sessionActionError(res);
    var updated = {}; Object.keys(s).forEach(function (k) { updated[k] = s[k]; });
    updated.meeting = res.body;
    sessionChanged(updated, "Rapat Zoom dicoba lagi pada putaran berikutnya (paling lama beberapa menit).");
  }).catch(function (e) { btn.disabled = false; ignoreStop(e); });
}
$("se-d-hadir-ya").addEventListener("click", function (e) { markAttendance("hadir", e.currentTarget); });
$("se-d-hadir-tidak").addEventListener("click", function (e) { markAttendance("tidak_hadir", e.currentTarget); });
$("se-d-batal").addEventListener("click", function () {
  movePicker.close();
  var f = $("se-c-form");
  clearErrors(f, "se-c");
  f.hidden = false;
  f.querySelector("input[name=requeue][value=ya]").checked = true;
  $("se-c-tidak").focus();
});
$("se-c-tidak").addEventListener("click", function () { $("se-c-form").hidden = true; $("se-d-batal").focus(); });
$("se-c-form").addEventListener("submit", function (e) {
  e.preventDefault();
  var s = se.opened, requeue = (e.target.querySelector("input[name=requeue]:checked") || {}).value !== "tidak";
  submit(e.target, "se-c", $("se-c-ya"), "POST", "/staff/sessions/" + encodeURIComponent(s.id) + "/cancel", { requeue: requeue }, function (answer) {
    e.target.hidden = true;
    var updated = {}; Object.keys(s).forEach(function (k) { updated[k] = s[k]; });
    updated.status = "batal_kantor"; updated.status_label = label(meta.session_statuses, "batal_kantor");
    sessionChanged(updated, "Sesi dibatalkan. " + (requeue ? "Pendaftar kembali ke antrean di urutan semula (tidak ke slot ini lagi)." : "Pendaftarannya ikut dibatalkan.") +
      (answer && answer.seat_refilled ? " Slotnya langsung diisi pendaftar yang menunggu." : ""));
    $("h-se-detail").focus();
  });
});
$("se-d-pindah").addEventListener("click", function () {
  var s = se.opened;
  $("se-c-form").hidden = true;
  var from = todayWIB();
  movePicker.open({
    title: "Pindahkan sesi " + text(s.name || s.reference) + " (" + sessionWhen(s) + ")", service: s.service, mode: s.mode, modeFixed: true, days: [], exclude: s.start + "|" + s.consultant_id,
    from: from, to: addDays(from, 13),
    hint: "Slot kosong untuk layanan " + label(meta.services, s.service) + ", " + (SHORT_MODE[s.mode] || s.mode).toLowerCase() + ". Sesi lama dilepas setelah slot baru aman.",
    submit: function (slot) {
      return api("PUT", "/staff/sessions/" + encodeURIComponent(s.id), { start: slot.start, consultant_id: slot.consultant_id });
    },
    done: function (session) {
      movePicker.close();
      sessionChanged(session, "Sesi dipindah ke " + sessionWhen(session) + " dengan " + ended(session.consultant_name || consultantName(session.consultant_id)));
      $("h-se-detail").focus();
    }
  });
});
function loadNotesForStaff(id) {
  var dl = clear($("se-n-isi"));
  setStatus("se-n-status", "Memuat…");
  api("GET", "/staff/sessions/" + encodeURIComponent(id) + "/notes").then(function (res) {
    if (!se.opened || se.opened.id !== id) return;
    if (!res.ok) return setStatus("se-n-status", problem(res));
    var n = res.body;
    if (!n.updated_at) return setStatus("se-n-status", "Konsultan belum menulis catatan untuk sesi ini.");
    setStatus("se-n-status", "Diperbarui " + fmtInstant(n.updated_at) + (n.updated_by ? " oleh " + n.updated_by : "") + ".");
    NOTE_FIELDS.forEach(function (f) {
      var v = n[f[0]];
      dl.appendChild(el("dt", { text: f[1] }));
      dl.appendChild(el("dd", { className: "long", "data-field": f[0], text: f[0] === "follow_up" ? (v ? "Ya, perlu sesi lanjutan" : "Tidak") : text(v) }));
    });
  }).catch(ignoreStop);
}
var NOTE_FIELDS = [["problem", "Masalah yang dibahas"], ["advice", "Saran yang diberikan"], ["follow_up", "Perlu tindak lanjut"], ["referral", "Rujukan ke layanan lain"]];
var movePicker = makePicker("se-m", $("se-m-box"), "Pindahkan ke slot ini");
