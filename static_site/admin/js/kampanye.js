/* Kampanye: campaigns, their signup links, QR posters and the interaction of their posts. */
import { $, cell, clear, el, emptyRow, fillSelect, label, pairs, safeHttpUrl, setStatus, smallButton } from "./dom.js";
import { fmtDay, fmtInstant, fmtNum, todayWIB } from "./format.js";
import { columns } from "./charts.js";
import { api, apiFile, ignoreStop, problem, saveFile } from "./api.js";
import { clearErrors, submit } from "./forms.js";
import { loaders, meta } from "./state.js";

var campaigns = [];
loaders.kampanye = function () {
  fillSelect($("c-channel"), pairs(meta.sources), "— pilih saluran —");
  loadImport();
  setStatus("c-status", "Memuat…");
  api("GET", "/staff/campaigns").then(function (res) {
    if (!res.ok) return setStatus("c-status", problem(res));
    campaigns = res.body.items || [];
    setStatus("c-status", campaigns.length ? campaigns.length + " kampanye." : "Belum ada kampanye.");
    renderCampaigns();
  }).catch(ignoreStop);
};
function renderCampaigns() {
  var box = clear($("c-isi"));
  campaigns.forEach(function (c) { box.appendChild(campaignCard(c)); });
}
function campaignCard(c) {
  var code = String(c.code).replace(/[^A-Za-z0-9_-]/g, "");
  var card = el("article", { className: "card campaign", "data-code": c.code, "aria-labelledby": "c-h-" + code });
  var i = c.interaction || {};
  card.appendChild(el("div", { className: "ghead" }, [el("h2", { id: "c-h-" + code }, [c.name, el("span", { className: "minor", text: "Kode " + c.code + " · " + (c.channel_label || label(meta.sources, c.channel)) })]),
    el("p", { className: "inter", text: fmtNum(i.likes || 0) + " suka · " + fmtNum(i.comments || 0) + " komentar · " + fmtNum(i.questions || 0) + " pertanyaan" })]));
  var linkInput = el("input", { type: "text", readonly: "", value: c.link, id: "c-link-" + code, "aria-label": "Tautan pendaftaran kampanye " + c.name });
  linkInput.addEventListener("focus", function () { linkInput.select(); });
  var copied = el("span", { className: "minor", role: "status" });
  card.appendChild(el("div", { className: "f linkrow" }, [el("label", { "for": "c-link-" + code, text: "Tautan pendaftaran" }),
    el("div", { className: "inline-row" }, [linkInput, smallButton("Salin", "secondary", function () {
      linkInput.select();
      var done = function () { copied.textContent = "Tautan disalin."; };
      if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(c.link).then(done, function () { copied.textContent = "Salin manual: tautan sudah dipilih."; });
      else copied.textContent = "Salin manual: tautan sudah dipilih.";
    }, "Salin tautan " + c.name)]), copied]));
  var posterStatus = el("p", { className: "status", role: "status" });
  var preview = el("div", { className: "poster-preview" });
  card.appendChild(el("div", { className: "actions" }, [
    smallButton("Unduh poster PNG", "secondary", function (ev) { poster(c, "png", ev.currentTarget, posterStatus); }, "Unduh poster PNG " + c.name),
    smallButton("Unduh poster SVG", "secondary", function (ev) { poster(c, "svg", ev.currentTarget, posterStatus); }, "Unduh poster SVG " + c.name),
    smallButton("Lihat poster", "secondary", function (ev) { posterPreview(c, ev.currentTarget, posterStatus, preview); }, "Lihat poster " + c.name)]));
  card.appendChild(posterStatus);
  card.appendChild(preview);
  card.appendChild(postsBlock(c, code));
  return card;
}
function poster(c, kind, btn, status) {
  btn.disabled = true;
  status.textContent = "Menyiapkan poster…";
  apiFile(c["poster_" + kind].replace(/^\/api/, ""), kind === "png" ? "image/png" : "image/svg+xml").then(function (res) {
    btn.disabled = false;
    if (!res.ok) { status.textContent = problem(res); return; }
    var name = res.filename || "poster-" + c.code + "." + kind;
    saveFile(res.blob, name);
    status.textContent = "Poster " + name + " diunduh.";
  }).catch(function (e) { btn.disabled = false; ignoreStop(e); });
}
function posterPreview(c, btn, status, holder) {
  btn.disabled = true;
  status.textContent = "Memuat poster…";
  apiFile(c.poster_png.replace(/^\/api/, ""), "image/png").then(function (res) {
    btn.disabled = false;
    if (!res.ok) { status.textContent = problem(res); return; }
    // A data: URL (the CSP allows img-src 'self' data:, not blob:).
    var reader = new FileReader();
    reader.onload = function () {
      clear(holder).appendChild(el("img", { src: String(reader.result), alt: "Poster kampanye " + c.name + " dengan kode QR ke " + c.short_link, width: "210" }));
      status.textContent = "";
    };
    reader.readAsDataURL(res.blob);
  }).catch(function (e) { btn.disabled = false; ignoreStop(e); });
}
function postsBlock(c, code) {
  var wrap = el("details", { className: "posts", open: (c.posts || []).length ? true : null }, [el("summary", { text: "Unggahan dan interaksinya (" + (c.posts || []).length + ")" })]);
  wrap.appendChild(linkForm(c, code));
  var tbl = el("table", { className: "list stack posts-table" }, [el("caption", { className: "sr", text: "Unggahan kampanye " + c.name }),
    el("thead", null, [el("tr", null, ["Unggahan", "Dilihat", "Suka", "Komentar", "Pertanyaan", ""].map(function (h) { return el("th", { scope: "col", text: h }); }))])]);
  var tb = el("tbody");
  (c.posts || []).forEach(function (p) { tb.appendChild(postRow(c, p, code)); });
  if (!(c.posts || []).length) emptyRow(tb, 6, "Belum ada unggahan. Tautkan unggahan Instagram atau Facebook, atau isi angkanya sendiri untuk platform lain.");
  tbl.appendChild(tb);
  wrap.appendChild(tbl);
  if ((c.posts || []).some(function (p) { return p.source === "api"; })) wrap.appendChild(curveBlock(c, code));
  var typed = el("details", { className: "typed" }, [el("summary", { text: "Isi angka sendiri (platform tanpa impor otomatis)" })]);
  typed.appendChild(postForm(c, code, null));
  wrap.appendChild(typed);
  return wrap;
}
/* A post of the office's Instagram or Facebook, linked by its link: its figures are read every day. */
function linkForm(c, code) {
  var pre = "c-l-" + code;
  var input = el("input", { id: pre + "-url", name: "url", type: "url", maxlength: "500", placeholder: "https://www.instagram.com/p/…", "aria-describedby": pre + "-hint " + pre + "-err-url" });
  var form = el("form", { className: "link-form", novalidate: true, "aria-label": "Tautkan unggahan " + c.name }, [
    el("div", { className: "f" }, [el("label", { "for": pre + "-url", text: "Tautkan unggahan Instagram atau Facebook kantor" }),
      el("div", { className: "inline-row" }, [input, el("button", { type: "submit", className: "small", id: pre + "-simpan", text: "Tautkan" })]),
      el("p", { className: "hint", id: pre + "-hint", text: "Buka unggahannya, pilih \u201cSalin tautan\u201d, lalu tempel di sini. Dilihat, suka, komentar dan pertanyaannya dibaca otomatis tiap hari." }),
      el("p", { className: "err", id: pre + "-err-url" })]),
    el("p", { className: "err-box", id: pre + "-err-_form", role: "alert", hidden: true })]);
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    submit(form, pre, $(pre + "-simpan"), "POST", "/staff/campaigns/" + encodeURIComponent(c.code) + "/posts/link", { url: input.value.trim() },
      function (saved) { replaceCampaign(saved, "Unggahan ditautkan; angkanya dibaca otomatis setiap hari."); });
  });
  return form;
}
/* The campaign's interactions day by day (the sum of its linked posts' latest figures each day). */
function curveBlock(c, code) {
  var box = el("div", { className: "curve" });
  var btn = smallButton("Lihat grafik harian", "secondary", function () {
    btn.disabled = true;
    api("GET", "/staff/campaigns/" + encodeURIComponent(c.code) + "/insights").then(function (res) {
      btn.disabled = false;
      if (!res.ok) { clear(box).appendChild(el("p", { className: "status", text: problem(res) })); return; }
      var byDay = {};
      (res.body.posts || []).forEach(function (p) {
        (p.series || []).forEach(function (s) { byDay[s.day] = (byDay[s.day] || 0) + (s.interactions || 0); });
      });
      var days = Object.keys(byDay).sort();
      clear(box);
      if (!days.length) { box.appendChild(el("p", { className: "status", text: "Belum ada angka harian; impor pertama berjalan besok pagi." })); return; }
      var svg = columns(days.map(function (d) { return { key: d, label: fmtDay(d), tick: d.slice(8), parts: [{ value: byDay[d], cls: "c1" }] }; }),
        { height: 120, width: Math.max(260, Math.min(640, box.clientWidth || 300)) });
      svg.setAttribute("role", "img");
      svg.setAttribute("aria-label", "Interaksi unggahan kampanye " + c.name + " per hari, terakhir " + fmtNum(byDay[days[days.length - 1]]));
      box.appendChild(el("p", { className: "minor", text: "Interaksi (suka, komentar, bagikan, simpan) menurut hari pembacaan." }));
      box.appendChild(svg);
    }).catch(function (e) { btn.disabled = false; ignoreStop(e); });
  }, "Lihat grafik harian " + c.name);
  return el("div", { className: "curve-wrap", id: "c-g-" + code }, [btn, box]);
}
function loadImport() {
  api("GET", "/staff/insights").then(function (res) { if (res.ok) showImport(res.body.last_run); }).catch(ignoreStop);
}
var IMPORT_STATUS = { selesai: "selesai", berhenti: "berhenti sebelum selesai", dijeda: "dijeda", belum: "belum disiapkan" };
function showImport(run) {
  if (!run) { setStatus("c-impor-status", "Impor angka Instagram/Facebook belum pernah berjalan. Berjalan otomatis setiap pagi pukul 06.10 WIB."); return; }
  setStatus("c-impor-status", "Impor terakhir " + fmtInstant(run.finished_at) + ": " + (IMPORT_STATUS[run.status] || run.status) + "; " +
    fmtNum((run.read || 0) + (run.already || 0)) + " dari " + fmtNum(run.posts || 0) + " unggahan sudah dibaca hari ini" +
    (run.gone ? ", " + fmtNum(run.gone) + " tidak ditemukan lagi" : "") + (run.reason ? ". " + run.reason : "."));
}
$("c-impor-run").addEventListener("click", function () {
  var b = $("c-impor-run");
  b.disabled = true;
  setStatus("c-impor-status", "Mengambil angka…");
  api("POST", "/staff/insights/run", {}).then(function (res) {
    b.disabled = false;
    if (!res.ok) return setStatus("c-impor-status", problem(res));
    showImport(res.body);
    loaders.kampanye();
  }).catch(function (e) { b.disabled = false; ignoreStop(e); });
});
function postRow(c, p, code) {
  var where = el("span", null, [el("strong", { text: p.platform_label || label(meta.sources, p.platform) }),
    p.posted_on ? el("span", { className: "minor", text: fmtDay(p.posted_on) }) : null,
    safeHttpUrl(p.url) ? el("span", { className: "minor" }, [el("a", { href: safeHttpUrl(p.url), target: "_blank", rel: "noopener noreferrer", text: "Buka unggahan" })]) : null]);
  var auto = p.source === "api";
  where.appendChild(el("span", { className: "minor source", "data-field": "source",
    text: auto ? (p.import_problem || (p.imported_on ? "otomatis, dibaca " + fmtDay(p.imported_on) : "otomatis, menunggu pembacaan pertama")) : "diketik staf" }));
  var tr = el("tr", { "data-post": p.id }, [cell("Unggahan", where), cell("Dilihat", p.views === null || p.views === undefined ? "—" : fmtNum(p.views)),
    cell("Suka", fmtNum(p.likes)), cell("Komentar", fmtNum(p.comments)), cell("Pertanyaan", fmtNum(p.questions))]);
  var edit = smallButton("Ubah angka", "secondary", function () {
    var f = postForm(c, code, p);
    tr.parentNode.insertBefore(el("tr", { className: "edit" }, [el("td", { colspan: 6 }, [f])]), tr.nextSibling);
    edit.disabled = true;
    f.querySelector("input[name=likes]").focus();
  }, "Ubah angka unggahan " + (p.platform_label || p.platform) + " " + (p.posted_on || ""));
  var del = smallButton("Hapus", "secondary", function () {
    del.disabled = true;
    api("DELETE", "/staff/campaigns/" + encodeURIComponent(c.code) + "/posts/" + encodeURIComponent(p.id)).then(function (res) {
      if (!res.ok) { del.disabled = false; return setStatus("c-status", problem(res)); }
      replaceCampaign(res.body, "Unggahan dihapus.");
    }).catch(ignoreStop);
  }, "Hapus unggahan " + (p.platform_label || p.platform) + " " + (p.posted_on || ""));
  tr.appendChild(cell("", el("span", { className: "btns" }, [auto ? null : edit, del]), "act"));
  return tr;
}
var postFormSeq = 0;
function postForm(c, code, p) {
  var pre = "c-p-" + code + "-" + (++postFormSeq);
  function numberField(name, lbl) {
    return el("div", { className: "f" }, [el("label", { "for": pre + "-" + name, text: lbl }),
      el("input", { id: pre + "-" + name, name: name, type: "number", min: "0", step: "1", inputmode: "numeric", value: p ? String(p[name] || 0) : "0",
        "aria-describedby": pre + "-err-" + name }), el("p", { className: "err", id: pre + "-err-" + name })]);
  }
  var platform = el("select", { id: pre + "-platform", name: "platform", "aria-describedby": pre + "-err-platform" });
  fillSelect(platform, pairs(meta.sources));
  platform.value = p ? p.platform : c.channel;
  var form = el("form", { className: "post-form", novalidate: true, "aria-label": p ? "Ubah angka unggahan" : "Tambah unggahan " + c.name }, [
    p ? null : el("h3", { text: "Tambah unggahan" }),
    el("div", { className: "filters" }, [
      el("div", { className: "f" }, [el("label", { "for": pre + "-platform", text: "Platform" }), platform, el("p", { className: "err", id: pre + "-err-platform" })]),
      el("div", { className: "f" }, [el("label", { "for": pre + "-posted_on", text: "Tanggal unggah" }),
        el("input", { id: pre + "-posted_on", name: "posted_on", type: "date", value: p ? p.posted_on || "" : todayWIB(), "aria-describedby": pre + "-err-posted_on" }),
        el("p", { className: "err", id: pre + "-err-posted_on" })]),
      el("div", { className: "f" }, [el("label", { "for": pre + "-url", text: "Tautan unggahan (boleh kosong)" }),
        el("input", { id: pre + "-url", name: "url", type: "url", maxlength: "500", value: p ? p.url || "" : "", placeholder: "https://…", "aria-describedby": pre + "-err-url" }),
        el("p", { className: "err", id: pre + "-err-url" })])]),
    el("div", { className: "filters three" }, [numberField("likes", "Suka"), numberField("comments", "Komentar"), numberField("questions", "Pertanyaan")]),
    el("p", { className: "err-box", id: pre + "-err-_form", role: "alert", hidden: true }),
    el("div", { className: "actions" }, [el("button", { type: "submit", className: "small", id: pre + "-simpan", text: p ? "Simpan angka" : "Tambah unggahan" })])
  ]);
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    function num(name) { var v = form.elements[name].value.trim(); return v === "" ? 0 : /^\d+$/.test(v) ? parseInt(v, 10) : v; }
    var body = { platform: form.elements.platform.value, posted_on: form.elements.posted_on.value || null, url: form.elements.url.value.trim() || null,
      likes: num("likes"), comments: num("comments"), questions: num("questions") };
    var path = "/staff/campaigns/" + encodeURIComponent(c.code) + "/posts" + (p ? "/" + encodeURIComponent(p.id) : "");
    submit(form, pre, $(pre + "-simpan"), p ? "PUT" : "POST", path, body, function (saved) {
      replaceCampaign(saved, p ? "Angka unggahan disimpan." : "Unggahan ditambahkan.");
    });
  });
  return form;
}
function replaceCampaign(c, message) {
  campaigns = campaigns.map(function (x) { return x.code === c.code ? c : x; });
  var old = $("c-isi").querySelector("article[data-code='" + String(c.code).replace(/[^A-Za-z0-9_-]/g, "") + "']");
  var fresh = campaignCard(c);
  if (old) old.parentNode.replaceChild(fresh, old); else $("c-isi").insertBefore(fresh, $("c-isi").firstChild);
  var st = fresh.querySelector(".posts");
  st.open = true;
  st.insertBefore(el("p", { className: "status", role: "status", text: message }), st.querySelector("table"));
  fresh.querySelector("h2").setAttribute("tabindex", "-1");
  fresh.querySelector("h2").focus();
}
$("c-tambah").addEventListener("click", function () {
  var f = $("c-form");
  clearErrors(f, "c");
  f.reset();
  f.hidden = false;
  $("c-name").focus();
});
$("c-batal").addEventListener("click", function () { $("c-form").hidden = true; $("c-tambah").focus(); });
$("c-form").addEventListener("submit", function (e) {
  e.preventDefault();
  var f = e.target;
  var body = { name: f.elements.name.value.trim(), code: f.elements.code.value.trim(), channel: f.elements.channel.value };
  submit(f, "c", $("c-simpan"), "POST", "/staff/campaigns", body, function (saved) {
    f.hidden = true;
    campaigns.unshift(saved);
    replaceCampaign(saved, "Kampanye dibuat. Bagikan tautannya atau unduh posternya.");
    setStatus("c-status", campaigns.length + " kampanye.");
  });
});
