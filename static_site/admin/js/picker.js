/* The slot picker, shared by "Tetapkan jadwal" (registration detail) and "Pindahkan" (session detail). */
import { $, clear, el, fillSelect, pairs, setStatus, text } from "./dom.js";
import { fmtDay, parseDay, validDay } from "./format.js";
import { api, ignoreStop, problem, qs } from "./api.js";
import { meta } from "./state.js";

export function makePicker(prefix, box, submitLabel) {
  var ctx = null, slots = [];
  var form = el("form", { className: "picker", id: prefix + "-form", novalidate: true, hidden: true, "aria-labelledby": prefix + "-judul" }, [
    el("h3", { id: prefix + "-judul" }),
    el("p", { className: "hint", id: prefix + "-hint" }),
    el("div", { className: "filters short" }, [
      el("div", { className: "f" }, [el("label", { "for": prefix + "-from", text: "Dari tanggal" }),
        el("input", { id: prefix + "-from", name: "from", type: "date", "aria-describedby": prefix + "-err-from" }), el("p", { className: "err", id: prefix + "-err-from" })]),
      el("div", { className: "f" }, [el("label", { "for": prefix + "-to", text: "Sampai tanggal" }),
        el("input", { id: prefix + "-to", name: "to", type: "date", "aria-describedby": prefix + "-err-to" }), el("p", { className: "err", id: prefix + "-err-to" })]),
      el("div", { className: "f end" }, [el("button", { type: "button", className: "small secondary", id: prefix + "-cari", text: "Cari slot kosong" })])]),
    el("div", { className: "f", id: prefix + "-mode-box" }, [el("label", { "for": prefix + "-mode", text: "Cara konsultasi" }),
      el("select", { id: prefix + "-mode", name: "mode", "aria-describedby": prefix + "-err-mode" }), el("p", { className: "err", id: prefix + "-err-mode" })]),
    el("fieldset", { className: "sub f" }, [el("legend", { text: "Slot kosong" }),
      el("p", { className: "status", id: prefix + "-status", role: "status" }), el("div", { id: prefix + "-slots" })]),
    el("p", { className: "err-box", id: prefix + "-err-_form", role: "alert", hidden: true, tabindex: "-1" }),
    el("div", { className: "actions" }, [el("button", { type: "submit", id: prefix + "-simpan", text: submitLabel }),
      el("button", { type: "button", className: "secondary", id: prefix + "-batal", text: "Batal" })])
  ]);
  box.appendChild(form);
  function errorBox(errors) {
    var b = $(prefix + "-err-_form");
    var keys = Object.keys(errors || {});
    b.textContent = keys.map(function (k) { return errors[k]; }).join(" ");
    b.hidden = !keys.length;
    if (keys.length) b.focus();
  }
  function load(keepError) {
    var from = $(prefix + "-from").value, to = $(prefix + "-to").value, local = {};
    if (!keepError) errorBox({});
    clearFieldErrors();
    if (!validDay(from)) local.from = "Isi tanggal awal.";
    if (!validDay(to)) local.to = "Isi tanggal akhir.";
    else if (validDay(from) && to < from) local.to = "Tanggal akhir harus sesudah tanggal awal.";
    else if (validDay(from) && parseDay(to) - parseDay(from) > 30 * 864e5) local.to = "Paling panjang 31 hari.";
    if (Object.keys(local).length) { Object.keys(local).forEach(function (k) { $(prefix + "-err-" + k).textContent = local[k]; }); return Promise.resolve(); }
    setStatus(prefix + "-status", "Memuat…");
    clear($(prefix + "-slots"));
    return api("GET", "/staff/slots" + qs({ from: from, to: to })).then(function (res) {
      if (!res.ok) { setStatus(prefix + "-status", ""); return errorBox((res.body && res.body.errors) || { _form: problem(res) }); }
      slots = res.body.slots || [];
      render();
    }).catch(ignoreStop);
  }
  function clearFieldErrors() { ["from", "to", "mode"].forEach(function (k) { var p = $(prefix + "-err-" + k); if (p) p.textContent = ""; }); }
  function render() {
    var mode = $(prefix + "-mode").value, now = Date.now();
    var list = slots.filter(function (s) {
      // A slot that has begun is never offered (the server refuses it too).
      return !s.taken && Date.parse(s.start) > now && s.service === ctx.service && (s.modes || []).indexOf(mode) >= 0 &&
        (s.start + "|" + s.consultant_id) !== ctx.exclude;
    }).sort(function (a, b) { return String(a.start).localeCompare(String(b.start)) || String(a.consultant_name).localeCompare(String(b.consultant_name), "id"); });
    var holder = clear($(prefix + "-slots"));
    var byDay = {}, days = [];
    list.forEach(function (s) { if (!byDay[s.day]) { byDay[s.day] = []; days.push(s.day); } byDay[s.day].push(s); });
    setStatus(prefix + "-status", list.length ? list.length + " slot kosong pada " + days.length + " hari." : "Tidak ada slot kosong yang cocok pada rentang ini. Coba rentang lain.");
    days.forEach(function (day, i) {
      var offered = (ctx.days || []).indexOf(day) >= 0;
      var det = el("details", { className: "pick-day", "data-day": day, open: offered || days.length <= 2 || (i === 0 && !(ctx.days || []).length) ? true : null }, [
        el("summary", null, [fmtDay(day, true) + " · " + byDay[day].length + " slot", offered ? el("span", { className: "tag", text: "pilihan pendaftar" }) : null])]);
      byDay[day].forEach(function (s) {
        var idx = slots.indexOf(s);
        det.appendChild(el("label", { className: "opt-row slot-opt" }, [
          el("input", { type: "radio", name: "slot", value: String(idx), "data-start": s.start, "data-consultant": s.consultant_id }),
          el("span", null, [el("strong", { text: String(s.start_wib || "").slice(11).replace(":", ".") }), " · " + text(s.consultant_name) +
            (mode === "tatap_muka" && s.room_name ? " · " + s.room_name : "")])]));
      });
      holder.appendChild(det);
    });
  }
  var api_ = {
    open: function (c) {
      ctx = c;
      $(prefix + "-judul").textContent = c.title;
      $(prefix + "-hint").textContent = c.hint || "";
      fillSelect($(prefix + "-mode"), pairs(meta.modes));
      $(prefix + "-mode").value = c.mode || "tatap_muka";
      $(prefix + "-mode-box").hidden = !!c.modeFixed;
      $(prefix + "-from").value = c.from;
      $(prefix + "-to").value = c.to;
      form.hidden = false;
      errorBox({});
      load().then(function () { form.scrollIntoView({ block: "start" }); $(prefix + "-judul").setAttribute("tabindex", "-1"); $(prefix + "-judul").focus(); });
    },
    close: function () { form.hidden = true; ctx = null; }
  };
  $(prefix + "-cari").addEventListener("click", function () { load(); });
  $(prefix + "-mode").addEventListener("change", function () { errorBox({}); render(); });
  $(prefix + "-batal").addEventListener("click", function () { var c = ctx; api_.close(); if (c && c.cancel) c.cancel(); });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var picked = form.querySelector("input[name=slot]:checked");
    if (!picked) return errorBox({ start: "Pilih salah satu slot kosong." });
    var slot = slots[+picked.value], btn = $(prefix + "-simpan"), c = ctx;
    errorBox({});
    btn.disabled = true;
    c.submit(slot, $(prefix + "-mode").value).then(function (res) {
      btn.disabled = false;
      if (res.ok) return c.done(res.body);
      var errors = (res.body && res.body.errors) || { _form: problem(res) };
      if (res.status === 409) {
        // Someone else took it, or it no longer fits: show why, and the slots as they are now.
        var msg = {}; Object.keys(errors).forEach(function (k) { msg[k] = errors[k]; });
        msg._hint = "Daftar slot sudah diperbarui; pilih slot lain.";
        return load(true).then(function () { errorBox(msg); });
      }
      errorBox(errors);
    }).catch(function (err) { btn.disabled = false; ignoreStop(err); });
  });
  return api_;
}
