/* Jadwal saya: a consultant's own sessions, attendance and notes. */
import { $, clear, el, label, listLabels, safeUrl, setStatus, text } from "./dom.js";
import { addDays, fmtDay, fmtInstant, fmtRange, todayWIB } from "./format.js";
import { api, ignoreStop, problem, qs } from "./api.js";
import { submit } from "./forms.js";
import { currentView, loaders, me, meta, thisWeek } from "./state.js";
import { confirmedTag, isCancelled, sessionLabel, sessionPlace, sessionTime, statusBadge, statusSummary, walkInTag } from "./sessioninfo.js";

var mine = { from: null, request: 0 };
loaders.saya = function () {
  $("y-name").textContent = text(me.consultant_name);
  $("y-email").textContent = text(me.email);
  if (!mine.from) mine.from = thisWeek();
  loadMine();
};
/** "7 sesi pada … (6 terjadwal, 1 tidak hadir)": recounted whenever a status changes on the page. */
function countLine() {
  var items = mine.shown.items, from = mine.shown.from, to = mine.shown.to;
  var active = items.filter(function (s) { return !isCancelled(s); });
  return items.length ? active.length + " sesi pada " + fmtRange(from, to) + (active.length ? " (" + statusSummary(active) + ")" : "") +
    (items.length > active.length ? "; " + (items.length - active.length) + " dibatalkan." : ".") :
    "Belum ada sesi pada " + fmtRange(from, to) + ". Sesi muncul di sini setelah pendaftar dijadwalkan.";
}
function loadMine() {
  var from = mine.from, to = addDays(from, 11);
  $("y-range").textContent = "Sesi " + fmtRange(from, addDays(from, 4)) + " dan minggu berikutnya";
  setStatus("y-status", "Memuat…");
  var req = ++mine.request;
  api("GET", "/staff/my-sessions" + qs({ from: from, to: to })).then(function (res) {
    if (req !== mine.request) return;
    var box = clear($("y-isi"));
    if (!res.ok) return setStatus("y-status", problem(res));
    var items = (res.body.items || []).slice().sort(function (a, b) { return String(a.start).localeCompare(String(b.start)); });
    mine.shown = { items: items, from: from, to: to };
    setStatus("y-status", countLine());
    var days = [], byDay = {};
    items.forEach(function (s) { if (!byDay[s.day]) { byDay[s.day] = []; days.push(s.day); } byDay[s.day].push(s); });
    var today = todayWIB();
    days.forEach(function (day) {
      var sec = el("section", { className: "myday", "data-day": day, "aria-labelledby": "y-d-" + day }, [
        el("h2", { id: "y-d-" + day }, [fmtDay(day, true), day === today ? el("span", { className: "tag", text: "hari ini" }) : null])]);
      byDay[day].forEach(function (s) { sec.appendChild(myCard(s)); });
      box.appendChild(sec);
    });
  }).catch(ignoreStop);
}
/** "Mulai Zoom": a start link fetched at the click (it signs the host in and expires; never kept). */
function startZoom(s, id) {
  var err = el("p", { className: "err-box", id: "y-zoom-err-" + id, role: "alert", hidden: true });
  var btn = el("button", { type: "button", className: "small", text: "Mulai Zoom", "aria-describedby": "y-zoom-err-" + id });
  btn.addEventListener("click", function () {
    // Opened now, in the click, so that no pop-up blocker stops it; the address follows.
    var win = window.open("", "_blank");
    if (win) win.opener = null;
    btn.disabled = true;
    err.hidden = true;
    api("POST", "/staff/sessions/" + encodeURIComponent(s.id) + "/zoom-start", {}).then(function (res) {
      btn.disabled = false;
      var link = res.ok ? safeUrl(res.body.start_url) : null;
      if (!link) {
        if (win) win.close();
        err.textContent = res.ok ? "Zoom tidak memberi tautan yang aman." : problem(res);
        err.hidden = false;
        return;
      }
      if (win) win.location.href = link; else location.href = link;
    }).catch(function (e) { btn.disabled = false; if (win) win.close(); ignoreStop(e); });
  });
  return el("div", { className: "actions zoom-start" }, [btn, err]);
}
function myCard(s) {
  var id = s.id.replace(/[^A-Za-z0-9_-]/g, "");
  var card = el("article", { className: "card mysess st-" + s.status, "data-id": s.id, "aria-labelledby": "y-h-" + id });
  function fill() {
    var url = s.meeting ? safeUrl(s.meeting.join_url) : null;
    card.appendChild(el("div", { className: "ghead" }, [el("h3", { id: "y-h-" + id, text: sessionTime(s) + " WIB" }), el("span", null, [statusBadge(s), walkInTag(s), confirmedTag(s)])]));
    card.appendChild(el("p", { className: "who" }, [el("strong", { text: text(s.name) }), s.org_name ? el("span", { className: "minor", text: s.org_name }) : null]));
    var facts = el("dl", { className: "info compact" });
    [["Layanan", label(meta.services, s.service)], ["Tempat", sessionPlace(s)], ["Topik", listLabels(meta.topics, s.topics)], ["Kode", s.reference]].forEach(function (f) {
      facts.appendChild(el("dt", { text: f[0] })); facts.appendChild(el("dd", { text: text(f[1]) }));
    });
    if (s.meeting) {
      facts.appendChild(el("dt", { text: "Zoom" }));
      facts.appendChild(el("dd", null, [url ? "Rapat siap (pengunjung masuk lewat tautan di pesannya)" : (s.meeting.state_label || "Tautan sedang dibuat")]));
    }
    card.appendChild(facts);
    if (url && s.status === "terjadwal") card.appendChild(startZoom(s, id));
    if (s.description) card.appendChild(el("div", { className: "desc" }, [el("p", { className: "lbl", text: "Masalah yang ditulis pendaftar" }), el("p", { className: "long", "data-field": "description", text: s.description })]));
    if (isCancelled(s)) return;
    var err = el("p", { className: "err-box", id: "y-err-" + id, role: "alert", hidden: true });
    var done = el("p", { className: "status att-status", role: "status" });
    var grp = el("div", { className: "actions", role: "group", "aria-label": "Kehadiran " + text(s.name) });
    var early = Date.parse(s.start) > Date.now();  // attendance only once the session has begun
    [["hadir", "Hadir", "secondary"], ["tidak_hadir", "Tidak hadir", "secondary"]].forEach(function (a) {
      var b = el("button", { type: "button", className: "small " + a[2], text: a[1],
        "aria-pressed": String(s.status === a[0]), "data-status": a[0], disabled: early ? true : null });
      b.addEventListener("click", function () {
        err.hidden = true;
        b.disabled = true;
        api("POST", "/staff/sessions/" + encodeURIComponent(s.id) + "/attendance", { status: a[0] }).then(function (res) {
          b.disabled = false;
          if (!res.ok) {
            var errs = (res.body && res.body.errors) || {};
            err.textContent = Object.keys(errs).length ? Object.keys(errs).map(function (k) { return errs[k]; }).join(" ") : problem(res);
            err.hidden = false;
            return;
          }
          // Only the status changes: a note being typed below stays as it is.
          s.status = res.body.status; s.status_label = res.body.status_label;
          card.className = "card mysess st-" + s.status;
          var badge = card.querySelector(".ghead .badge");
          badge.className = "badge st-" + s.status; badge.textContent = sessionLabel(s);
          Array.prototype.forEach.call(grp.querySelectorAll("button"), function (x) {
            x.setAttribute("aria-pressed", String(x.getAttribute("data-status") === s.status));
          });
          done.textContent = "Kehadiran dicatat: " + sessionLabel(s) + ".";
          if (mine.shown) $("y-status").textContent = countLine();
        }).catch(function (e) { b.disabled = false; ignoreStop(e); });
      });
      grp.appendChild(b);
    });
    if (early) done.textContent = "Kehadiran dapat dicatat setelah sesi dimulai.";
    card.appendChild(el("div", { className: "att" }, [el("p", { className: "lbl", text: "Kehadiran" }), grp, err, done]));
    card.appendChild(notesForm(s, id));
  }
  fill();
  return card;
}
function notesForm(s, id) {
  var p = "n-" + id;
  function field(name, labelText, input, hintText) {
    input.id = p + "-" + name;
    input.name = name;
    input.setAttribute("aria-describedby", (hintText ? p + "-hint-" + name + " " : "") + p + "-err-" + name);
    return el("div", { className: "f" }, [el("label", { "for": p + "-" + name, text: labelText }), input,
      hintText ? el("p", { className: "hint", id: p + "-hint-" + name, text: hintText }) : null, el("p", { className: "err", id: p + "-err-" + name })]);
  }
  var form = el("form", { id: p, novalidate: true, "aria-label": "Catatan sesi " + text(s.name) }, [
    el("p", { className: "status", id: p + "-status", role: "status" }),
    field("problem", "Masalah yang dibahas", el("textarea", { rows: "3", maxlength: "2000" })),
    field("advice", "Saran yang diberikan", el("textarea", { rows: "3", maxlength: "2000" })),
    el("div", { className: "f" }, [el("label", { className: "opt-row" }, [el("input", { type: "checkbox", id: p + "-follow_up", name: "follow_up", "aria-describedby": p + "-err-follow_up" }),
      el("span", { text: "Perlu tindak lanjut (sesi lanjutan)" })]), el("p", { className: "err", id: p + "-err-follow_up" })]),
    field("referral", "Rujukan ke layanan lain", el("input", { type: "text", maxlength: "300", autocomplete: "off" }), "Boleh dikosongkan. Mis. DPMPTSP untuk perizinan, Dinas Perindustrian, bank penyalur KUR."),
    el("p", { className: "err-box", id: p + "-err-_form", role: "alert", hidden: true }),
    el("div", { className: "actions" }, [el("button", { type: "submit", className: "small", id: p + "-simpan", text: "Simpan catatan" })])
  ]);
  var det = el("details", { className: "notes" }, [el("summary", { text: "Catatan sesi" }), form]);
  var loaded = false;
  det.addEventListener("toggle", function () {
    if (!det.open || loaded) return;
    loaded = true;
    setStatus(p + "-status", "Memuat…");
    lock(true);  // nothing to type into, nothing to save, until the saved notes are in the boxes
    api("GET", "/staff/sessions/" + encodeURIComponent(s.id) + "/notes").then(function (res) {
      // Not read: the boxes stay locked (saving them would wipe the notes); closing and opening retries.
      if (!res.ok) { loaded = false; return setStatus(p + "-status", problem(res) + " Tutup lalu buka “Catatan sesi” lagi."); }
      lock(false);
      var n = res.body;
      form.elements.problem.value = n.problem || "";
      form.elements.advice.value = n.advice || "";
      form.elements.follow_up.checked = !!n.follow_up;
      form.elements.referral.value = n.referral || "";
      setStatus(p + "-status", n.updated_at ? "Terakhir disimpan " + fmtInstant(n.updated_at) + "." : "Belum ada catatan. Hanya Anda dan koordinator yang dapat membacanya.");
    }).catch(ignoreStop);
  });
  function lock(on) { Array.prototype.forEach.call(form.elements, function (f) { f.disabled = on; }); }
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var body = { problem: form.elements.problem.value.trim(), advice: form.elements.advice.value.trim(),
      follow_up: form.elements.follow_up.checked, referral: form.elements.referral.value.trim() };
    setStatus(p + "-status", "");
    submit(form, p, $(p + "-simpan"), "PUT", "/staff/sessions/" + encodeURIComponent(s.id) + "/notes", body, function (saved) {
      setStatus(p + "-status", "Catatan disimpan " + fmtInstant(saved.updated_at) + ".");
    });
  });
  return det;
}
/* A visitor seated at the Loket shows up without a reload: the list is fetched again when the page
   comes back into view and every two minutes, unless the consultant is writing in it. */
function busyWithMine() {
  var box = $("y-isi");
  return !box || box.querySelector("details[open]") || box.contains(document.activeElement);
}
function refreshMine() {
  if (document.visibilityState === "visible" && currentView === "saya" && mine.from && !busyWithMine()) loadMine();
}
document.addEventListener("visibilitychange", refreshMine);
setInterval(refreshMine, 120000);
function moveMine(n) { mine.from = n === 0 ? thisWeek() : addDays(mine.from, 7 * n); loadMine(); }
$("y-prev").addEventListener("click", function () { moveMine(-1); });
$("y-next").addEventListener("click", function () { moveMine(1); });
$("y-now").addEventListener("click", function () { moveMine(0); });
