/* Siaran WhatsApp: compose a broadcast to past clients, count and preview it, send it once, watch it. */
import { $, checkGroup, checkedValues, clear, el, fillSelect, label, objectOf, pairs, setStatus, smallButton, svgEl } from "./dom.js";
import { SHORT_SERVICE, fmtInstant, fmtNum } from "./format.js";
import { API, api, ignoreStop, problem } from "./api.js";
import { MSG_EXPIRED, MSG_OFFLINE, backToSignIn, session } from "./session.js";
import { showErrors, submit } from "./forms.js";
import { currentView, loaders, meta } from "./state.js";

var bc = { templates: [], perMinute: null, daily: null, key: null, previewed: null, timer: null, ready: false };
loaders.siaran = function (arg, changed) {
  if (!bc.ready) {
    bc.ready = true;
    fillSelect($("b-service"), pairs(meta.services), "Semua layanan");
    checkGroup($("b-kecamatan"), objectOf((meta.kecamatan || []).map(function (k) { return [k, k]; })));
    setStatus("b-status", "Menyiapkan formulir…");
    api("GET", "/staff/broadcasts/templates").then(function (res) {
      if (!res.ok) { bc.ready = false; return setStatus("b-status", problem(res)); }
      bc.templates = res.body.items || [];
      bc.perMinute = res.body.per_minute; bc.daily = res.body.daily_limit;
      setStatus("b-status", "");
      $("b-hint").textContent = "Pesan templat terdaftar ke klien yang pernah hadir di sesi, kecuali nomor yang membalas BERHENTI. Dikirim bertahap lewat Kotak keluar: paling banyak " +
        fmtNum(bc.perMinute) + " pesan per menit dan " + fmtNum(bc.daily) + " per hari (batas WhatsApp untuk nomor kantor).";
      fillSelect($("b-template"), bc.templates.map(function (t) { return [t.name, t.label]; }));
      renderParams();
    }).catch(ignoreStop);
  }
  if (changed) loadBroadcasts();
};
function currentTemplate() { var n = $("b-template").value; return bc.templates.filter(function (t) { return t.name === n; })[0]; }
function renderParams() {
  var t = currentTemplate(), box = clear($("b-params"));
  $("b-hint-template").textContent = t ? "Nama penerima dan tautan pendaftaran diisi otomatis. Contoh: " + t.preview.split("\n")[0] : "";
  (t ? t.params : []).forEach(function (p) {
    var long = p.name === "keterangan";
    var input = el(long ? "textarea" : "input", { id: "b-" + p.name, name: p.name, maxlength: "300", rows: long ? "3" : null, autocomplete: "off",
      "aria-describedby": "b-err-" + p.name, "data-param": "1" });
    box.appendChild(el("div", { className: "f" }, [el("label", { "for": "b-" + p.name, text: p.label }), input, el("p", { className: "err", id: "b-err-" + p.name })]));
  });
  resetPreview();
}
function resetPreview() { $("b-pratinjau").hidden = true; $("b-konfirmasi").hidden = true; bc.previewed = null; }
function draft() {
  var form = $("b-form"), params = {};
  Array.prototype.forEach.call(form.querySelectorAll("[data-param]"), function (i) { params[i.name] = i.value.trim(); });
  return { template: $("b-template").value, params: params, service: $("b-service").value || null, kecamatan: checkedValues(form, "kecamatan") };
}
function draftWords(d) {
  return (d.service ? "klien layanan " + (SHORT_SERVICE[d.service] || label(meta.services, d.service)) : "semua klien yang pernah hadir") +
    (d.kecamatan.length ? " di " + (d.kecamatan.length > 3 ? d.kecamatan.length + " kecamatan" : d.kecamatan.join(", ")) : " di semua kecamatan");
}
$("b-template").addEventListener("change", renderParams);
$("b-form").addEventListener("input", function (e) { if (e.target.id !== "b-template") resetPreview(); });
$("b-form").addEventListener("change", function (e) {
  if (e.target.name === "kecamatan") {
    var n = checkedValues($("b-form"), "kecamatan").length;
    $("b-kec-label").textContent = n ? n + " kecamatan dipilih" : "Semua kecamatan";
  }
  if (e.target.id !== "b-template") resetPreview();
});
$("b-form").addEventListener("submit", function (e) {
  e.preventDefault();
  var form = e.target, d = draft();
  resetPreview();
  submit(form, "b", $("b-hitung"), "POST", "/staff/broadcasts/preview", d, function (res) {
    bc.previewed = d;
    bc.key = bc.key || newKey();
    $("b-jumlah").textContent = res.recipients ? "Akan dikirim ke " + fmtNum(res.recipients) + " nomor (" + draftWords(d) + ")" +
      (res.opted_out ? "; " + fmtNum(res.opted_out) + " nomor sudah membalas BERHENTI dan tidak dikirimi." : ".") :
      "Tidak ada penerima: belum ada klien yang pernah hadir dengan pilihan ini" + (res.opted_out ? " (" + fmtNum(res.opted_out) + " nomor membalas BERHENTI)." : ".");
    $("b-teks").textContent = res.text || "";
    $("b-contoh").textContent = res.sample_name ? "Contoh pesan yang diterima " + res.sample_name + ":" : "Contoh pesan:";
    $("b-kirim").hidden = !res.recipients;
    $("b-tanya").textContent = "Kirim siaran ini ke " + fmtNum(res.recipients) + " nomor? Pesan keluar bertahap (" + fmtNum(res.per_minute || bc.perMinute) +
      " per menit) dan tidak dapat ditarik kembali; siaran yang sedang berjalan dapat dihentikan.";
    $("b-pratinjau").hidden = false;
    $("b-jumlah").focus && $("b-jumlah").setAttribute("tabindex", "-1");
    $("b-jumlah").focus();
  });
});
function newKey() { var a = new Uint8Array(16); crypto.getRandomValues(a); return Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join(""); }
$("b-kirim").addEventListener("click", function () { $("b-konfirmasi").hidden = false; $("b-ya").focus(); });
$("b-tidak").addEventListener("click", function () { $("b-konfirmasi").hidden = true; $("b-kirim").focus(); });
$("b-ya").addEventListener("click", function () {
  var btn = $("b-ya"), d = bc.previewed;
  if (!d) return;
  btn.disabled = true;
  var s = session();
  if (!s) return backToSignIn(MSG_EXPIRED);
  // The Idempotency-Key makes a retried click (or a lost answer) one broadcast, not two.
  fetch(API + "/staff/broadcasts", { method: "POST", cache: "no-store", headers: { Authorization: "Bearer " + s.token, Accept: "application/json",
    "Content-Type": "application/json", "Idempotency-Key": bc.key }, body: JSON.stringify(d) }).then(function (r) {
    return r.json().catch(function () { return {}; }).then(function (b) { return { ok: r.ok, status: r.status, body: b || {} }; });
  }, function () { return { ok: false, status: 0, body: { errors: { _form: MSG_OFFLINE } } }; }).then(function (res) {
    btn.disabled = false;
    if (res.status === 401) return backToSignIn(MSG_EXPIRED);
    if (!res.ok) { $("b-konfirmasi").hidden = true; return showErrors($("b-form"), "b", (res.body && res.body.errors) || { _form: problem(res) }); }
    bc.key = null;
    $("b-form").reset();
    $("b-kec-box").open = false;
    $("b-kec-label").textContent = "Semua kecamatan";
    renderParams();
    setStatus("b-status", "Siaran dimulai: " + (res.body.name || "") + ". Pesan keluar bertahap; lihat kemajuannya di bawah.");
    loadBroadcasts().then(function () { var c = $("b-isi").querySelector("article"); if (c) { c.setAttribute("tabindex", "-1"); c.focus(); } });
  });
});

function loadBroadcasts() {
  setStatus("b-list-status", "Memuat…");
  return api("GET", "/staff/broadcasts").then(function (res) {
    if (!res.ok) return setStatus("b-list-status", problem(res));
    var items = res.body.items || [], box = clear($("b-isi"));
    var running = items.filter(function (b) { return b.status === "berjalan"; }).length;
    setStatus("b-list-status", items.length ? items.length + " siaran" + (running ? "; " + running + " sedang dikirim (diperbarui otomatis)." : ".") : "Belum ada siaran.");
    items.forEach(function (b) { box.appendChild(broadcastCard(b)); });
    watchBroadcasts(running > 0);
  }).catch(ignoreStop);
}
/** While a broadcast is running and this section is shown, look again every 10 s. */
function watchBroadcasts(on) {
  if (bc.timer) { clearTimeout(bc.timer); bc.timer = null; }
  if (on) bc.timer = setTimeout(function () { bc.timer = null; if (currentView === "siaran" && !document.hidden) loadBroadcasts(); }, 10000);
}
$("b-perbarui").addEventListener("click", function () { loadBroadcasts(); });
function broadcastCard(b) {
  var c = b.counts || {}, q = c.queued || 0;
  var card = el("article", { className: "card msg bcast st-" + b.status, "data-id": b.id }, [
    el("div", { className: "ghead" }, [el("h3", null, [b.template_label || b.template, el("span", { className: "minor", text: fmtInstant(b.created_at) + (b.created_by ? " · " + b.created_by : "") })]),
      el("span", { className: "badge st-" + (b.status === "berjalan" ? "pending" : b.status === "selesai" ? "sent" : "skipped"), text: b.status_label || b.status })])]);
  var d = { service: b.service, kecamatan: b.kecamatan || [] };
  card.appendChild(el("p", { className: "minor", text: "Untuk " + draftWords(d) + "." }));
  // Progress: of the messages queued so far, how far each got.
  var W = 300, parts = [["read", "c-read"], ["delivered", "c-delivered"], ["sent", "c-sent"], ["failed", "c-failed"], ["not_sent", "c-notsent"]];
  var delivered = Math.max((c.delivered || 0) - (c.read || 0), 0), sentOnly = Math.max((c.sent || 0) - (c.delivered || 0) - (c.read || 0), 0);
  var values = { read: c.read || 0, delivered: delivered, sent: sentOnly, failed: c.failed || 0, not_sent: c.not_sent || 0 };
  var svgNode = svgEl("svg", { viewBox: "0 0 " + W + " 16", "class": "progress", role: "img",
    "aria-label": "Kemajuan: " + fmtNum(c.sent || 0) + " terkirim, " + fmtNum(c.delivered || 0) + " sampai, " + fmtNum(c.read || 0) + " dibaca dari " + fmtNum(q) + " pesan" });
  svgNode.appendChild(svgEl("rect", { x: 0, y: 2, width: W, height: 12, "class": "track" }));
  var x = 0;
  parts.forEach(function (p) { var w = q ? values[p[0]] / q * W : 0; if (w > 0) { svgNode.appendChild(svgEl("rect", { x: x.toFixed(1), y: 2, width: w.toFixed(1), height: 12, "class": "bar " + p[1] })); x += w; } });
  card.appendChild(el("div", { className: "plot" }, [svgNode]));
  var facts = el("dl", { className: "info compact counts" });
  [["Antre", q], ["Terkirim", c.sent || 0], ["Sampai", c.delivered || 0], ["Dibaca", c.read || 0], ["Gagal", c.failed || 0],
    ["Tidak dikirim", (c.not_sent || 0) + (c.skipped || 0)], ["Pendaftar menyusul", b.registrations === null || b.registrations === undefined ? "—" : b.registrations]].forEach(function (f) {
    facts.appendChild(el("dt", { text: f[0] })); facts.appendChild(el("dd", { "data-count": f[0], text: typeof f[1] === "number" ? fmtNum(f[1]) : String(f[1]) }));
  });
  card.appendChild(facts);
  var params = b.params || {};
  var keys = Object.keys(params);
  if (keys.length) card.appendChild(el("p", { className: "minor long", text: keys.map(function (k) { return params[k]; }).join(" · ") }));
  card.appendChild(el("p", { className: "minor" }, ["Tautan kampanye: ", el("code", { text: b.campaign || "" })]));
  if (b.status === "berjalan") {
    var err = el("p", { className: "err-box", role: "alert", hidden: true });
    card.appendChild(el("div", { className: "actions" }, [smallButton("Hentikan siaran", "secondary", function (ev) {
      var btn = ev.currentTarget;
      btn.disabled = true;
      api("POST", "/staff/broadcasts/" + encodeURIComponent(b.id) + "/cancel", {}).then(function (res) {
        btn.disabled = false;
        if (!res.ok) { err.textContent = problem(res); err.hidden = false; return; }
        loadBroadcasts();
        setStatus("b-status", "Siaran dihentikan; pesan yang sudah antre tetap dikirim.");
      }).catch(function (e) { btn.disabled = false; ignoreStop(e); });
    }, "Hentikan siaran " + (b.name || b.id))]));
    card.appendChild(err);
  }
  return card;
}
