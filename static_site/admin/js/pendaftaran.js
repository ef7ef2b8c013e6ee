/* Pendaftaran: search and page through registrations, the detail, and booking one by hand. */
import { $, cell, clear, el, emptyRow, label, listLabels, setStatus, text } from "./dom.js";
import { SHORT_MODE, SHORT_SERVICE, addDays, fmtDay, fmtInstant, fmtPhone, todayWIB, waHref } from "./format.js";
import { api, ignoreStop, problem, qs } from "./api.js";
import { clearErrors, showErrors } from "./forms.js";
import { consultantName, loaders, meta } from "./state.js";
import { sessionLabel, sessionPlace, sessionWhen } from "./sessioninfo.js";
import { makePicker } from "./picker.js";

var assignPicker = makePicker("p-a", $("p-a-box"), "Tetapkan jadwal");
var regQuery = null, regCursor = null, regLoaded = false, regRequest = 0;
var lastRef = null;
loaders.pendaftaran = function (ref) {
  $("p-daftar").hidden = !!ref;
  $("p-detail").hidden = !ref;
  if (ref) { lastRef = ref; return showRegistration(ref); }
  if (!regLoaded) { regLoaded = true; searchRegistrations(); return; }
  // Back from a detail view: focus returns to the row it was opened from.
  var want = "#/pendaftaran/" + encodeURIComponent(lastRef || "");
  var back = Array.prototype.filter.call($("p-isi").querySelectorAll("a"), function (a) { return a.getAttribute("href") === want; })[0];
  lastRef = null;
  if (back) back.focus();
};
function searchRegistrations() {
  var f = $("p-form");
  var local = {};
  if (f.elements.from.value && f.elements.to.value && f.elements.to.value < f.elements.from.value) local.to = "Tanggal akhir harus sesudah tanggal awal.";
  if (Object.keys(local).length) { $("p-more").open = true; return showErrors(f, "p", local); }
  clearErrors(f, "p");
  filterSummary();
  regQuery = {
    q: f.elements.q.value.trim(), status: f.elements.status.value, service: f.elements.service.value,
    kecamatan: f.elements.kecamatan.value, from: f.elements.from.value, to: f.elements.to.value
  };
  regCursor = null;
  clear($("p-isi"));
  loadRegistrations();
}
function loadRegistrations() {
  var params = {}; Object.keys(regQuery).forEach(function (k) { params[k] = regQuery[k]; });
  params.limit = 25;
  if (regCursor) params.cursor = regCursor;
  var more = $("p-lagi");
  var mine = ++regRequest; // a newer search makes this answer stale
  more.disabled = true;
  setStatus("p-status-line", "Memuat…");
  // POST: a name or a WhatsApp number searched for (and the cursor after it) never goes into a URL.
  api("POST", "/staff/registration-search", params).then(function (res) {
    if (mine !== regRequest) return;
    more.disabled = false;
    if (!res.ok) {
      more.hidden = true;
      setStatus("p-status-line", "");
      var errs = (res.body && res.body.errors) || { _form: problem(res) };
      if (Object.keys(errs).some(function (k) { return k !== "q" && k !== "_form"; })) $("p-more").open = true;
      return showErrors($("p-form"), "p", errs);
    }
    var tbody = $("p-isi");
    var items = res.body.items || [];
    var firstNew = null;
    items.forEach(function (r) {
      var link = el("a", { href: "#/pendaftaran/" + encodeURIComponent(r.reference), className: "ref-link", text: r.reference });
      if (!firstNew) firstNew = link;
      tbody.appendChild(el("tr", { "data-ref": r.reference }, [
        cell("Kode", link),
        cell("Nama", el("span", null, [r.name, el("span", { className: "minor", text: fmtPhone(r.whatsapp) })])),
        cell("Koperasi/usaha", r.org_name),
        cell("Layanan", (SHORT_SERVICE[r.service] || label(meta.services, r.service)) + (r.mode ? " · " + (SHORT_MODE[r.mode] || label(meta.modes, r.mode)) : "")),
        cell("Kecamatan", r.kecamatan),
        cell("Status", el("span", { className: "badge", text: r.status_label || label(meta.statuses, r.status) })),
        cell("Masuk", fmtInstant(r.created_at))
      ]));
    });
    regCursor = res.body.next_cursor || null;
    more.hidden = !regCursor;
    var n = tbody.querySelectorAll("tr[data-ref]").length;
    if (!n) emptyRow(tbody, 7, "Tidak ada pendaftaran yang cocok.");
    setStatus("p-status-line", !n ? "" : params.cursor && !items.length && !regCursor ?
      "Semua " + n + " pendaftaran yang cocok sudah ditampilkan." :
      "Menampilkan " + n + " pendaftaran" + (regCursor ? "; masih ada lagi." : "."));
    if (params.cursor && firstNew) firstNew.focus();
  }).catch(function (e) { more.disabled = false; ignoreStop(e); });
}
$("p-form").addEventListener("submit", function (e) { e.preventDefault(); searchRegistrations(); });
function filterSummary() {
  var f = $("p-form"), n = ["status", "service", "kecamatan", "from", "to"].filter(function (k) { return f.elements[k].value; }).length;
  $("p-more-label").textContent = "Saring: status, layanan, kecamatan, tanggal" + (n ? " (" + n + " aktif)" : "");
}
$("p-form").addEventListener("change", filterSummary);
if (window.matchMedia && matchMedia("(min-width: 64rem)").matches) $("p-more").open = true;
$("p-lagi").addEventListener("click", loadRegistrations);

var DETAIL_FIELDS = [
  ["reference", "Kode"], ["status", "Status"], ["created_at", "Masuk"], ["name", "Nama"], ["whatsapp", "WhatsApp"],
  ["email", "E-mail"], ["kecamatan", "Kecamatan"], ["desa", "Desa/kelurahan"], ["service", "Layanan"],
  ["org_name", "Nama koperasi/usaha"], ["coop_status", "Status koperasi"], ["business_sector", "Sektor usaha"],
  ["nib", "NIB"], ["topics", "Topik"], ["description", "Uraian masalah"], ["mode", "Cara"],
  ["days", "Tanggal yang ditawarkan"], ["source", "Tahu layanan dari"], ["campaign", "Kampanye"], ["channel", "Saluran"]
];
var regShown = null;
function showRegistration(ref, keepFocus) {
  var dl = clear($("p-d-isi"));
  $("p-d-ref").textContent = ref;
  regShown = null;
  if (!keepFocus) { assignPicker.close(); setStatus("p-d-jadwal-status", ""); $("p-d-jadwal").hidden = true; }
  setStatus("p-d-status", "Memuat…");
  api("GET", "/staff/registrations/" + encodeURIComponent(ref)).then(function (res) {
    if (!res.ok) return setStatus("p-d-status", res.status === 404 ? "Pendaftaran " + ref + " tidak ditemukan." : problem(res));
    setStatus("p-d-status", "");
    var r = res.body;
    regShown = r;
    $("p-d-ref").textContent = r.reference || ref;
    DETAIL_FIELDS.forEach(function (f) {
      var key = f[0], v = r[key], shown;
      if (key === "status") shown = r.status_label || label(meta.statuses, v);
      else if (key === "created_at") shown = fmtInstant(v);
      else if (key === "service") shown = label(meta.services, v);
      else if (key === "mode") shown = label(meta.modes, v);
      else if (key === "coop_status") { if (!v) return; shown = label(meta.coop_statuses, v); }
      else if (key === "business_sector") { if (!v) return; shown = label(meta.sectors, v); }
      else if (key === "nib" && r.service !== "ukm" && !v) return;
      else if (key === "source") shown = r.source_label || label(meta.sources, v);
      else if (key === "channel") shown = r.channel_label || label(meta.channels, v);
      else if (key === "topics") shown = listLabels(meta.topics, v);
      else if (key === "days") shown = (v || []).map(function (d) { return fmtDay(d, true); }).join("; ") || "—";
      else shown = text(v);
      dl.appendChild(el("dt", { text: f[1] }));
      if (key === "whatsapp" && v) {  // readable, and one tap opens the chat
        dl.appendChild(el("dd", { "data-field": key }, [el("a", { href: waHref(v), target: "_blank", rel: "noopener", text: fmtPhone(v) })]));
        return;
      }
      dl.appendChild(el("dd", { "data-field": key, className: key === "description" ? "long" : "", text: shown }));
    });
    renderRegSchedule(r);
    if (!keepFocus) $("h-detail").focus();
  }).catch(ignoreStop);
}

/** The registration's session, or "Tetapkan jadwal" while it waits (or its dates expired). */
function renderRegSchedule(r) {
  var card = $("p-d-jadwal"), line = clear($("p-d-sesi")), btn = $("p-d-tetapkan");
  var waiting = r.status === "menunggu" || r.status === "kedaluwarsa";
  card.hidden = !waiting && !r.session_id;
  btn.hidden = !waiting;
  if (waiting) {
    line.textContent = r.status === "kedaluwarsa" ?
      "Tidak ada tanggal pilihan pendaftar yang dapat dilayani. Tetapkan jadwal sendiri, atau tunggu pendaftar memilih tanggal baru." :
      "Belum ada sesi: pendaftar menunggu penjadwalan otomatis. Anda juga dapat menetapkan jadwalnya sendiri.";
    return;
  }
  var found = r.session;
  if (!found) { card.hidden = true; return; }
  // The API sends the session with the registration: its time, consultant and place, by name.
  if (found.status !== "terjadwal") line.appendChild(el("span", { className: "tag", text: found.status_label }));
  line.appendChild(el("strong", { text: sessionWhen(found) }));
  line.appendChild(document.createTextNode(" · " + (found.consultant_name || consultantName(found.consultant_id)) + " · " + sessionPlace(found) + " · " + sessionLabel(found) + " "));
  line.appendChild(el("a", { href: "#/sesi/" + found.day, text: "Lihat di jadwal sesi" }));
}
$("p-d-tetapkan").addEventListener("click", function () {
  var r = regShown;
  if (!r) return;
  var from = todayWIB(), days = (r.days || []).slice().sort();
  var last = days.length ? days[days.length - 1] : from;
  var to = last > addDays(from, 13) ? (last > addDays(from, 30) ? addDays(from, 30) : last) : addDays(from, 13);
  setStatus("p-d-jadwal-status", "");
  $("p-d-tetapkan").hidden = true;
  assignPicker.open({
    title: "Tetapkan jadwal " + r.reference, service: r.service, mode: r.mode, modeFixed: false,
    days: days, from: from, to: to,
    hint: "Slot kosong layanan " + label(meta.services, r.service) + ". Tanggal yang dipilih pendaftar ditandai; sesi yang ditetapkan petugas tidak dipindah penjadwalan otomatis.",
    submit: function (slot, mode) {
      return api("POST", "/staff/sessions", { reference: r.reference, start: slot.start, consultant_id: slot.consultant_id, mode: mode });
    },
    done: function (session) {
      assignPicker.close();
      showRegistration(r.reference, true);
      setStatus("p-d-jadwal-status", "Jadwal ditetapkan: " + sessionWhen(session) + " dengan " + (session.consultant_name || consultantName(session.consultant_id)) +
        ", " + sessionPlace(session) + ".");
      $("h-detail").focus();
    },
    cancel: function () { $("p-d-tetapkan").hidden = false; $("p-d-tetapkan").focus(); }
  });
});
