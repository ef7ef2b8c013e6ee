/* Kotak keluar: every message as its recipient sees it, its status, and sending again. */
import { $, clear, el, fillSelect, label, objectOf, setStatus, smallButton, text } from "./dom.js";
import { fmtDay, fmtInstant, fmtPhone, fmtTime, todayWIB, validDay } from "./format.js";
import { api, ignoreStop, problem, qs } from "./api.js";
import { clearErrors, showErrors } from "./forms.js";
import { loaders } from "./state.js";

var OUTBOX_STATUSES = [["pending", "Menunggu dikirim"], ["sent", "Terkirim"], ["delivered", "Sampai"], ["read", "Dibaca"],
  ["failed", "Gagal"], ["skipped", "Tidak dikirim"], ["unknown", "Belum pasti"]];
var ob = { query: null, cursor: null, request: 0, filled: false };
loaders.kotak = function (arg, changed) {
  if (!ob.filled) {
    fillSelect($("o-status"), OUTBOX_STATUSES, "Semua status");
    $("o-day").value = todayWIB();
    ob.filled = true;
  }
  if (changed) searchOutbox();
};
function searchOutbox() {
  var form = $("o-form"), day = $("o-day").value, status = $("o-status").value, ref = $("o-ref").value.trim();
  if (ref) return showConversation(ref);
  closeConversation();
  if (day && !validDay(day)) return showErrors(form, "o", { day: "Tanggal tidak valid." });
  if (!day && !status) return showErrors(form, "o", { day: "Isi tanggal, atau pilih status untuk melihat semua hari." });
  clearErrors(form, "o");
  ob.query = { day: day, status: status };
  ob.cursor = null;
  clear($("o-isi"));
  loadOutbox();
  loadReplies(day);
}
/* The visitors' WhatsApp replies of the chosen day, each leading to its conversation. */
function loadReplies(day) {
  var box = $("o-balasan"), list = $("o-balasan-isi");
  clear(list);
  box.hidden = !day;
  if (!day) return;
  setStatus("o-balasan-line", "Memuat…");
  api("GET", "/staff/outbox/replies" + qs({ day: day })).then(function (res) {
    if (!res.ok) return setStatus("o-balasan-line", problem(res));
    var items = res.body.items || [];
    setStatus("o-balasan-line", items.length ? items.length + " balasan WhatsApp dari pengunjung (" + fmtDay(day, true) + ")." :
      "Belum ada balasan WhatsApp dari pengunjung (" + fmtDay(day, true) + ").");
    items.forEach(function (x) {
      list.appendChild(el("li", { className: "reply", "data-id": x.id }, [
        el("span", { className: "minor", text: fmtTime(x.at) + " · " + (x.reference || "nomor tanpa pendaftaran") }), " ",
        el("q", { text: replyText(x) }), " ",
        el("span", { className: "minor", text: "→ " + x.outcome_label }),
        x.reference ? smallButton("Percakapan", "secondary", function () { openConversation(x.reference); }, "Percakapan dengan " + x.reference) : null]));
    });
  }).catch(ignoreStop);
}
function replyText(x) { return (x.kind === "text" ? "" : "[" + x.kind_label + "] ") + (x.text === null || x.text === undefined ? "(isi dihapus)" : x.text || "(tanpa teks)"); }
function openConversation(ref) { $("o-ref").value = ref; showConversation(ref); }
function closeConversation() { $("o-percakapan").hidden = true; $("o-isi").hidden = false; clear($("o-percakapan-isi")); }
/* One visitor's conversation: our messages and their replies, in the order they happened. */
function showConversation(ref) {
  var form = $("o-form"), list = $("o-percakapan-isi"), mine = ++ob.request;
  clearErrors(form, "o");
  clear(list);
  $("o-isi").hidden = true; $("o-lagi").hidden = true; $("o-balasan").hidden = true; setStatus("o-status-line", "");
  $("o-percakapan").hidden = false;
  setStatus("o-percakapan-line", "Memuat…");
  api("GET", "/staff/outbox/conversations/" + encodeURIComponent(ref)).then(function (res) {
    if (mine !== ob.request) return;
    if (!res.ok) { closeConversation(); setStatus("o-percakapan-line", ""); return showErrors(form, "o", (res.body && res.body.errors) || { _form: problem(res) }); }
    var items = res.body.items || [];
    $("h-percakapan").textContent = "Percakapan " + res.body.reference;
    setStatus("o-percakapan-line", items.length ? items.length + " pesan, " + (res.body.replies || 0) + " di antaranya dari pengunjung." : "Belum ada pesan untuk pendaftaran ini.");
    items.forEach(function (m) { list.appendChild(m.direction === "masuk" ? incoming(m) : outgoing(m)); });
    $("h-percakapan").focus();
  }).catch(ignoreStop);
}
function incoming(x) {
  return el("li", { className: "in", "data-id": x.id }, [
    el("p", { className: "bubble long", text: replyText(x) }),
    el("p", { className: "minor", text: fmtInstant(x.at) + " · dipahami: " + x.action_label + " · " + x.outcome_label })]);
}
function outgoing(m) {
  var pv = m.preview || {};
  return el("li", { className: "out st-" + m.status, "data-id": m.id }, [
    el("p", { className: "minor", text: (m.template_label || m.template) + " · " + (m.channel_label || m.channel) }),
    el("p", { className: "bubble long", text: m.channel === "email" ? text(pv.subject) : text(pv.text) }),
    pv.buttons ? el("p", { className: "buttons" }, pv.buttons.map(function (b) { return el("span", { className: "wa-button", text: b }); })) : null,
    el("p", { className: "minor", text: fmtInstant(m.at) + " · " + (m.status_label || m.status) })]);
}
function loadOutbox() {
  var params = { day: ob.query.day, status: ob.query.status, limit: 20 };
  if (ob.cursor) params.cursor = ob.cursor;
  var more = $("o-lagi"), mine = ++ob.request;
  more.disabled = true;
  setStatus("o-status-line", "Memuat…");
  api("GET", "/staff/outbox" + qs(params)).then(function (res) {
    if (mine !== ob.request) return;
    more.disabled = false;
    if (!res.ok) { more.hidden = true; setStatus("o-status-line", ""); return showErrors($("o-form"), "o", (res.body && res.body.errors) || { _form: problem(res) }); }
    var box = $("o-isi"), items = res.body.items || [], first = null;
    items.forEach(function (m) { var c = messageCard(m); if (!first) first = c; box.appendChild(c); });
    ob.cursor = res.body.next_cursor || null;
    more.hidden = !ob.cursor;
    var n = box.querySelectorAll("article[data-id]").length;
    var where = ob.query.day ? fmtDay(ob.query.day, true) : "semua hari";
    var what = ob.query.status ? " berstatus " + label(null, ob.query.status, objectOf(OUTBOX_STATUSES)).toLowerCase() : "";
    setStatus("o-status-line", n ? n + " pesan" + what + " (" + where + ")" + (ob.cursor ? "; masih ada lagi." : ".") :
      "Tidak ada pesan" + what + " (" + where + ").");
    if (params.cursor && first) { first.setAttribute("tabindex", "-1"); first.focus(); }
  }).catch(function (e) { more.disabled = false; ignoreStop(e); });
}
function messageCard(m) {
  var card = el("article", { className: "card msg st-" + m.status, "data-id": m.id, "data-ref": m.reference || "", "data-channel": m.channel });
  function fill() {
    clear(card);
    card.className = "card msg st-" + m.status;
    card.appendChild(el("div", { className: "ghead" }, [
      el("h2", null, [m.template_label || m.template, el("span", { className: "minor", text: (m.channel_label || m.channel) + " · " + (m.recipient_label || m.recipient_kind) })]),
      el("span", { className: "badge st-" + m.status, text: m.status_label || label(null, m.status, objectOf(OUTBOX_STATUSES)) })]));
    var facts = el("dl", { className: "info compact" });
    function fact(k, v) { if (v === null || v === undefined || v === "") return; facts.appendChild(el("dt", { text: k })); facts.appendChild(el("dd", { text: String(v) })); }
    fact("Kepada", m.channel === "whatsapp" ? fmtPhone(m.to) : m.to);
    fact("Kode", m.reference);
    fact("Dibuat", fmtInstant(m.created_at));
    fact("Terkirim", m.sent_at ? fmtInstant(m.sent_at) : null);
    fact("Percobaan", String(m.attempts || 0));
    fact("Berikutnya", m.next_attempt_at ? fmtInstant(m.next_attempt_at) : null);
    fact("Lewat", m.provider_label);
    card.appendChild(facts);
    if (m.unknown_note) card.appendChild(el("p", { className: "note", "data-field": "unknown", text: m.unknown_note }));
    if (m.resend_note) card.appendChild(el("p", { className: "note", "data-field": "resends", text: m.resend_note }));
    if (m.waiting_note) card.appendChild(el("p", { className: "note", "data-field": "waiting", text: m.waiting_note }));
    if (m.error) card.appendChild(el("p", { className: "err-box", "data-field": "error", text: (m.status === "skipped" ? "Alasan: " : m.status === "unknown" ? "Keterangan: " : "Kesalahan: ") + m.error }));
    var pv = m.preview;
    if (pv) {
      if (m.channel === "email") {
        card.appendChild(el("div", { className: "mail", "aria-label": "Isi e-mail" }, [
          el("p", { className: "subj" }, [el("span", { className: "minor", text: "Subjek" }), el("strong", { text: text(pv.subject) })]),
          el("p", { className: "long body", text: text(pv.text) }),
          pv.calendar ? el("p", { className: "minor", text: "Lampiran: undangan kalender (" + (pv.calendar === "CANCEL" ? "pembatalan" : "jadwal") + ")" }) : null]));
      } else {
        card.appendChild(el("div", { className: "wa", "aria-label": "Isi pesan WhatsApp" }, [el("p", { className: "long bubble", text: text(pv.text) })]));
      }
    }
    if (pv && pv.buttons) card.appendChild(el("p", { className: "buttons" }, pv.buttons.map(function (b) { return el("span", { className: "wa-button", text: b }); })));
    if (m.preview_note) card.appendChild(el("p", { className: "hint", text: m.preview_note }));
    if (m.reference) card.appendChild(el("div", { className: "actions" }, [smallButton("Percakapan", "secondary", function () { openConversation(m.reference); },
      "Percakapan dengan " + m.reference)]));
    if (m.can_retry) {
      var err = el("p", { className: "err-box", role: "alert", hidden: true });
      card.appendChild(el("div", { className: "actions" }, [smallButton("Kirim ulang", "", function (ev) {
        var b = ev.currentTarget;
        b.disabled = true;
        err.hidden = true;
        api("POST", "/staff/outbox/" + encodeURIComponent(m.id) + "/retry", {}).then(function (res) {
          b.disabled = false;
          if (!res.ok) { err.textContent = problem(res); err.hidden = false; return; }
          m = res.body;
          fill();
          card.appendChild(el("p", { className: "status", role: "status", text: "Dijadwalkan ulang: pesan dikirim pada putaran pengiriman berikutnya." }));
          card.setAttribute("tabindex", "-1");
          card.focus();
        }).catch(function (e) { b.disabled = false; ignoreStop(e); });
      }, "Kirim ulang: " + (m.template_label || m.template) + " ke " + text(m.channel === "whatsapp" ? fmtPhone(m.to) : m.to))]));
      card.appendChild(err);
    }
  }
  fill();
  return card;
}
$("o-form").addEventListener("submit", function (e) { e.preventDefault(); searchOutbox(); });
$("o-gagal").addEventListener("click", function () { $("o-day").value = ""; $("o-status").value = "failed"; searchOutbox(); });
$("o-lagi").addEventListener("click", loadOutbox);
$("o-tutup-percakapan").addEventListener("click", function () { $("o-ref").value = ""; searchOutbox(); });
$("o-run").addEventListener("click", function () {
  var btn = $("o-run");
  btn.disabled = true;
  setStatus("o-run-status", "Mengirim…");
  api("POST", "/staff/outbox/run", {}).then(function (res) {
    btn.disabled = false;
    if (!res.ok) return setStatus("o-run-status", problem(res));
    var r = res.body.reminders || {}, s = res.body.sent || {};
    var parts = [];
    [["sent", "terkirim"], ["retry", "akan dicoba lagi"], ["unknown", "belum pasti (menunggu kabar penyedia)"], ["resent", "dikirim lagi karena tidak ada kabar"], ["failed", "gagal"], ["skipped", "tidak dikirim"], ["deferred", "ditunda"], ["busy", "sedang diproses putaran lain"]].forEach(function (k) {
      if (s[k[0]]) parts.push(s[k[0]] + " " + k[1]);
    });
    setStatus("o-run-status", "Pengiriman selesai: " + (s.due ? s.due + " pesan jatuh tempo" + (parts.length ? ", " + parts.join(", ") : "") : "tidak ada pesan yang jatuh tempo") +
      "." + (r.queued ? " Pengingat baru diantrekan: " + r.queued + "." : ""));
    if (ob.query) searchOutbox();
  }).catch(function (e) { btn.disabled = false; ignoreStop(e); });
});
