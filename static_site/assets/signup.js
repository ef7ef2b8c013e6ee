/* Signup form: client-side checks mirror the server's; the server stays the authority. */
(function () {
  "use strict";
  var form = document.getElementById("daftar");
  var API = "/api";

  function $(id) { return document.getElementById(id); }
  function field(name) { return form.elements[name]; }

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID().replace(/-/g, "");
    var a = new Uint8Array(16); crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  // One key per filled-in form: a retry after a timeout must not register twice.
  var key = sessionStorage.getItem("cc-key") || newKey();
  sessionStorage.setItem("cc-key", key);

  var src = new URLSearchParams(location.search).get("src");
  if (src && /^[A-Za-z0-9_-]{1,40}$/.test(src)) field("campaign").value = src;

  function service() { var s = form.querySelector("input[name=service]:checked"); return s ? s.value : ""; }
  function toggleService() {
    var s = service();
    form.querySelectorAll("[data-for]").forEach(function (el) {
      var show = el.getAttribute("data-for") === s || (s === "" && el.tagName === "LABEL");
      el.hidden = !show;
      if (!show) el.querySelectorAll("input:checked").forEach(function (i) { i.checked = false; });
    });
    $("lbl-org").textContent = s === "koperasi" ? "Nama koperasi (atau rencana nama)" : s === "ukm" ? "Nama usaha" : "Nama koperasi atau usaha";
  }
  form.querySelectorAll("input[name=service]").forEach(function (r) { r.addEventListener("change", toggleService); });
  toggleService();

  function fallbackDays() {
    // Next working days by the calendar alone; the server re-checks holidays.
    var out = [], d = new Date(); d.setHours(0, 0, 0, 0);
    for (var i = 1; out.length < 15 && i < 29; i++) {
      var x = new Date(d.getTime() + i * 864e5);
      if (x.getDay() > 0 && x.getDay() < 6) out.push(x.getFullYear() + "-" + ("0" + (x.getMonth() + 1)).slice(-2) + "-" + ("0" + x.getDate()).slice(-2));
    }
    return out;
  }
  // The day choices (assets/days.js): for the service and mode chosen, days with no consultant
  // are not offered and full days say so.
  var offer = null;
  function showDays(days) { CCDays.render($("days"), days); markDays(); }
  function choice() {
    var m = form.querySelector("input[name=mode]:checked");
    return service() && m ? { service: service(), mode: m.value } : null;
  }
  function markDays() {
    var c = choice();
    $("hint-days-choice").hidden = !CCDays.mark($("days"), c && offer && offer[c.service] && offer[c.service][c.mode]);
  }
  fetch(API + "/public/options").then(function (r) { if (!r.ok) throw r; return r.json(); })
    .then(function (o) { offer = o.offer || null; showDays(o.days); })
    .catch(function () { showDays(fallbackDays()); });

  // The waiting-time estimate for the chosen service and mode (published every 30 minutes), and
  // once days are picked, for exactly those days.
  var estimates = null, asked = 0, timer = null;
  function show(text) { var box = $("perkiraan"); box.hidden = !text; box.textContent = text || ""; }
  function showEstimate() {
    var c = choice(), e = estimates && c && estimates[c.service] && estimates[c.service][c.mode];
    var days = checked("days");
    if (!c || !days.length) { show(e ? e.text : ""); return; }
    var n = ++asked;
    clearTimeout(timer);
    timer = setTimeout(function () {
      fetch(API + "/public/forecast?service=" + c.service + "&mode=" + c.mode + "&days=" + days.join(","))
        .then(function (r) { if (!r.ok) throw r; return r.json(); })
        .then(function (o) { if (n === asked) show(o.estimate ? o.estimate.text : (e ? e.text : "")); })
        .catch(function () { if (n === asked) show(e ? e.text : ""); });
    }, 250);
  }
  form.querySelectorAll("input[name=service], input[name=mode]").forEach(function (r) {
    r.addEventListener("change", function () { markDays(); showEstimate(); });
  });
  $("days").addEventListener("change", showEstimate);
  fetch(API + "/public/forecast").then(function (r) { if (!r.ok) throw r; return r.json(); })
    .then(function (o) { estimates = o.estimates || null; showEstimate(); })
    .catch(function () { /* no estimate is better than a wrong one */ });

  var desc = field("description");
  desc.addEventListener("input", function () { $("count-description").textContent = desc.value.length; });

  function setError(name, msg) {
    var p = $("err-" + name);
    if (!p) { p = $("err-_form"); }
    p.textContent = msg || "";
    if (p.id === "err-_form") p.hidden = !msg;
    var el = field(name);
    if (el && el.setAttribute) el.setAttribute("aria-invalid", msg ? "true" : "false");
  }
  function checked(name) {
    return Array.prototype.filter.call(form.querySelectorAll("input[name=" + name + "]"), function (i) { return i.checked; }).map(function (i) { return i.value; });
  }
  function payload() {
    var s = service();
    return {
      name: field("name").value, whatsapp: field("whatsapp").value, email: field("email").value,
      kecamatan: field("kecamatan").value, desa: field("desa").value, service: s,
      org_name: field("org_name").value,
      coop_status: s === "koperasi" ? field("coop_status").value : null,
      business_sector: s === "ukm" ? field("business_sector").value : null,
      nib: s === "ukm" ? field("nib").value : null,
      topics: checked("topics"), description: desc.value,
      mode: (form.querySelector("input[name=mode]:checked") || {}).value || "",
      days: checked("days"), source: field("source").value,
      campaign: field("campaign").value || null, consent: field("consent").checked,
      kontak_lain: field("kontak_lain").value
    };
  }
  var RULES = {
    name: function (p) { var n = p.name.trim(); return !n ? "Wajib diisi." : n.length < 3 ? "Nama terlalu pendek (minimal 3 karakter)." : ""; },
    whatsapp: function (p) { var d = p.whatsapp.replace(/[\s\-.()\/]/g, ""); return !d ? "Nomor WhatsApp wajib diisi." : !/^(\+62|62|0)?8\d{7,12}$/.test(d) ? "Nomor WhatsApp tidak valid. Contoh: 0812-3456-7890." : ""; },
    email: function (p) { return p.email && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(p.email.trim()) ? "Alamat e-mail tidak valid, contoh: nama@contoh.com." : ""; },
    kecamatan: function (p) { return p.kecamatan ? "" : "Pilih kecamatan tempat Anda/usaha Anda berada."; },
    service: function (p) { return p.service ? "" : "Pilih layanan: koperasi atau UKM."; },
    org_name: function (p) { return p.org_name.trim().length < 2 ? "Wajib diisi." : ""; },
    coop_status: function (p) { return p.service === "koperasi" && !p.coop_status ? "Pilih status koperasi." : ""; },
    business_sector: function (p) { return p.service === "ukm" && !p.business_sector ? "Pilih sektor usaha." : ""; },
    nib: function (p) { return p.nib && !/^\d{13}$/.test(p.nib.replace(/[\s-]/g, "")) ? "NIB terdiri dari 13 angka; kosongkan jika belum punya." : ""; },
    topics: function (p) { return !p.topics.length ? "Pilih minimal satu topik konsultasi." : p.topics.length > 4 ? "Pilih paling banyak 4 topik." : ""; },
    description: function (p) { var n = p.description.trim().length; return n < 20 ? "Uraian masalah terlalu pendek (minimal 20 karakter)." : ""; },
    mode: function (p) { return p.mode ? "" : "Pilih cara konsultasi: tatap muka atau daring (Zoom)."; },
    days: function (p) { return !p.days.length ? "Pilih minimal satu tanggal yang Anda bisa datang." : p.days.length > 5 ? "Pilih paling banyak 5 tanggal." : ""; },
    consent: function (p) { return p.consent ? "" : "Anda perlu menyetujui pemrosesan data pribadi agar kami dapat menjadwalkan konsultasi."; }
  };
  function validate(only) {
    var p = payload(), first = null;
    Object.keys(RULES).forEach(function (name) {
      if (only && only !== name) return;
      var msg = RULES[name](p);
      setError(name, msg);
      if (msg && !first) first = name;
    });
    return first;
  }
  // A field is checked when the visitor leaves it. Leaving it by tapping the next field must not
  // move that field away under the finger: while a finger (or mouse button) is down, the check
  // waits until the tap has landed, then the message appears.
  var pressing = false, later = [];
  function flush() { var names = later; later = []; names.forEach(function (n) { validate(n); }); }
  document.addEventListener("pointerdown", function () { pressing = true; }, true);
  document.addEventListener("pointerup", function () { pressing = false; setTimeout(flush, 0); }, true);
  document.addEventListener("pointercancel", function () { pressing = false; setTimeout(flush, 0); }, true);
  form.addEventListener("focusout", function (e) {
    var name = e.target.name;
    if (!RULES[name] || !(e.target.value || e.target.type === "checkbox")) return;
    if (pressing) { if (later.indexOf(name) < 0) later.push(name); } else validate(name);
  });
  function recheck(e) { if ($("err-" + e.target.name) && $("err-" + e.target.name).textContent) validate(e.target.name); }
  form.addEventListener("change", recheck);
  form.addEventListener("input", recheck);  // a message goes as soon as what is typed is right

  function focusField(name) {
    var el = field(name);
    if (el && el.length && !el.tagName) el = el[0];
    if (el && el.focus) el.focus();
  }

  var LABELS = { name: "Nama lengkap", whatsapp: "Nomor WhatsApp", email: "E-mail", kecamatan: "Kecamatan", desa: "Desa/kelurahan",
    service: "Jenis konsultasi", org_name: "Nama koperasi atau usaha", coop_status: "Status koperasi", business_sector: "Sektor usaha",
    nib: "NIB", topics: "Topik", description: "Uraian masalah", mode: "Cara konsultasi", days: "Tanggal", source: "Dari mana Anda tahu",
    consent: "Persetujuan" };
  var FIRST_INPUT = { service: "input[name=service]", mode: "input[name=mode]", topics: "input[name=topics]", days: "input[name=days]" };
  function anchorFor(name) {
    var el = FIRST_INPUT[name] ? form.querySelector(FIRST_INPUT[name]) : field(name);
    if (el && !el.id) el.id = "f-" + name;
    return el ? el.id : null;
  }
  // Every field error at the top as a link to its field, so a visitor on a phone sees them all.
  function summary(errors) {
    var list = $("ringkasan-daftar"); list.textContent = "";
    var names = Object.keys(errors).filter(function (n) { return n !== "_form" && errors[n]; });
    names.forEach(function (name) {
      var li = document.createElement("li"), a = document.createElement("a"), id = anchorFor(name);
      a.href = "#" + (id || "daftar"); a.textContent = (LABELS[name] || name) + ": " + errors[name];
      a.addEventListener("click", function (e) { e.preventDefault(); focusField(name); });
      li.appendChild(a); list.appendChild(li);
    });
    $("ringkasan").hidden = !names.length;
    return names.length;
  }
  function failed(msg) {  // next to the button, where the visitor is looking
    $("gagal-kirim-teks").textContent = msg; $("gagal-kirim").hidden = !msg;
  }
  var another = false;  // the visitor chose to register another topic on a number with an open registration

  function send() {
    setError("_form", ""); failed("");
    $("sudah-terdaftar").hidden = true;
    var btn = $("kirim"); btn.disabled = true; btn.textContent = "Mengirim…";
    var body = payload(); if (another) body.another = true;
    fetch(API + "/registrations", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Idempotency-Key": key },  // the same key on every retry
      body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (body) { return { status: r.status, body: body }; });
    }).then(function (res) {
      if (res.status === 201) return done(res.body);
      if (res.status === 409 && res.body && res.body.open_registration) return alreadyRegistered(res.body);
      if (res.status >= 500 || !(res.body && res.body.errors)) {
        return failed("Server sedang bermasalah (kode " + res.status + "). Data Anda belum tersimpan; tekan Coba kirim lagi sebentar lagi.");
      }
      var errors = res.body.errors, firstBad = null;
      Object.keys(errors).forEach(function (name) { setError(name, errors[name]); if (!firstBad && name !== "_form") firstBad = name; });
      if (summary(errors)) { $("ringkasan").focus(); $("ringkasan").scrollIntoView(); }
      else if (errors._form) failed(errors._form);
    }).catch(function () {
      failed("Koneksi terputus. Periksa sinyal lalu tekan Coba kirim lagi; data Anda tidak akan terkirim dua kali.");
    }).then(function () { btn.disabled = false; btn.textContent = "Kirim pendaftaran"; });
  }

  function alreadyRegistered(body) {
    var box = $("sudah-terdaftar");
    $("sudah-terdaftar-teks").textContent = body.errors.whatsapp;
    $("tautan-terkirim").hidden = true;
    box.hidden = false; box.focus(); box.scrollIntoView();
  }
  $("kirim-tautan-saya").addEventListener("click", function () {
    var btn = $("kirim-tautan-saya"); btn.disabled = true;
    fetch(API + "/registration-link", { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ whatsapp: field("whatsapp").value }) })
      .then(function (r) { return r.json(); })
      .then(function (b) { var ok = $("tautan-terkirim"); ok.textContent = b.message || (b.errors && (b.errors.whatsapp || b.errors._form)) || ""; ok.hidden = false; })
      .catch(function () { var ok = $("tautan-terkirim"); ok.textContent = "Koneksi terputus. Coba lagi."; ok.hidden = false; })
      .then(function () { btn.disabled = false; });
  });
  $("daftar-topik-lain").addEventListener("click", function () { another = true; send(); });
  $("coba-lagi").addEventListener("click", send);

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    setError("_form", ""); failed("");
    var bad = validate();
    if (bad) {
      var errors = {}; Object.keys(RULES).forEach(function (n) { var m = RULES[n](payload()); if (m) errors[n] = m; });
      summary(errors); focusField(bad); return;
    }
    $("ringkasan").hidden = true;
    send();
  });

  function done(body) {
    sessionStorage.removeItem("cc-key");
    var link = location.origin + location.pathname.replace(/[^\/]*$/, "") + "status.html#ref=" + encodeURIComponent(body.reference) + "&t=" + encodeURIComponent(body.token);
    $("ref").textContent = body.reference;
    $("perkiraan-ok").textContent = body.estimate || "";
    $("perkiraan-ok").hidden = !body.estimate;
    $("status-link").href = link;
    form.hidden = true;
    var ok = $("berhasil"); ok.hidden = false; ok.focus(); ok.scrollIntoView();
    $("salin").addEventListener("click", function () {
      if (navigator.clipboard) navigator.clipboard.writeText(link).then(function () { $("salin").textContent = "Tautan disalin"; });
    });
  }
})();
