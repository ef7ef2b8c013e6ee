/* Feedback page: the signed link (session s, expiry e, signature t) travels in the URL
   fragment, which browsers never send to a server or a log; the API checks it. */
(function () {
  "use strict";
  var API = "/api";
  var FIELDS = ["satisfaction", "answered", "helpfulness", "recommend", "improve", "follow_up", "days"];
  function known(name) { return FIELDS.indexOf(name) >= 0 || /^(skm|profile)\.[a-z0-9]+$/.test(name); }
  function $(id) { return document.getElementById(id); }
  var form = $("umpan-balik");
  var params = new URLSearchParams(location.hash.slice(1));
  var sid = params.get("s"), exp = params.get("e"), sig = params.get("t");

  function fail(msg) {
    $("memuat").hidden = true; $("sesi").hidden = true; form.hidden = true;
    var g = $("gagal"); g.textContent = msg; g.hidden = false; $("kontak").hidden = false;
  }
  function call(method, path, body) {
    var opts = { method: method, headers: {} };
    if (body) { opts.headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(body); }
    return fetch(API + path, opts).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (b) { return { status: r.status, body: b || {} }; });
    });
  }
  function formError(body, fallback) { return (body.errors && body.errors._form) || fallback; }

  function thanks(message, followUp) {
    $("memuat").hidden = true; form.hidden = true; $("gagal").hidden = true;
    $("terkirim-pesan").textContent = message;
    if (followUp) {
      $("ref-lanjutan").textContent = followUp.reference;
      $("status-lanjutan").href = "status.html#ref=" + encodeURIComponent(followUp.reference) + "&t=" + encodeURIComponent(followUp.token);
      $("lanjutan-info").hidden = false;
    }
    var box = $("terkirim"); box.hidden = false; box.focus();
  }
  function longDate(iso) {
    return new Date(iso + "T00:00:00").toLocaleDateString("id-ID", { weekday: "long", day: "numeric", month: "long", year: "numeric" });
  }
  var session = null;  // the session answered about: a follow-up asks for the same service and mode
  function showSession(s) {
    session = s;
    $("sesi-waktu").textContent = longDate(s.date_wib) + ", " + s.time_wib + " WIB (" + s.mode_label + ")";
    $("sesi-layanan").textContent = s.service_label + " — kode " + s.reference;
    $("sesi-konsultan").textContent = s.consultant_name || "—";
    $("sesi").hidden = false;
  }

  // A link pasted over this one changes only the fragment: load the page afresh for it.
  window.addEventListener("hashchange", function () { location.reload(); });
  if (!sid || !exp || !sig) { fail("Tautan tidak lengkap. Buka kembali tautan umpan balik dari pesan WhatsApp atau e-mail Anda."); return; }
  var base = "/feedback/" + encodeURIComponent(sid);
  call("GET", base + "?e=" + encodeURIComponent(exp) + "&t=" + encodeURIComponent(sig)).then(function (res) {
    if (res.status !== 200) { fail(formError(res.body, "Formulir umpan balik tidak dapat dibuka.")); return; }
    showSession(res.body.session);
    if (res.body.answered) { thanks(res.body.message, res.body.follow_up); return; }
    $("memuat").hidden = true; form.hidden = false;
  }).catch(function () { fail("Koneksi terputus. Muat ulang halaman ini."); });

  /* --- the form --- */
  var improve = form.elements.improve;
  improve.addEventListener("input", function () { $("count-improve").textContent = improve.value.length; });

  function picked(name) { var el = form.querySelector("input[name=" + name + "]:checked"); return el ? el.value : ""; }
  function checkedDays() {
    return Array.prototype.map.call(form.querySelectorAll("input[name=days]:checked"), function (i) { return i.value; });
  }
  var daysLoaded = false;
  function loadDays() {
    if (daysLoaded) return;
    daysLoaded = true;
    fetch(API + "/public/options").then(function (r) { if (!r.ok) throw r; return r.json(); }).then(function (o) {
      var box = $("days");
      CCDays.render(box, o.days);
      var offer = o.offer && session && o.offer[session.service];
      CCDays.mark(box, offer && offer[session.mode]);
    }).catch(function () { daysLoaded = false; $("days").textContent = "Tanggal belum dapat dimuat. Pilih lagi \u201cYa\u201d untuk mencoba."; });
  }
  form.querySelectorAll("input[name=follow_up]").forEach(function (r) {
    r.addEventListener("change", function () {
      var want = picked("follow_up") === "ya";
      $("lanjutan").hidden = !want;
      if (want) loadDays();
    });
  });

  function setError(name, msg) {
    var p = $("err-" + name) || $("err-_form");
    p.textContent = msg || "";
    if (p.id === "err-_form") p.hidden = !msg;
    form.querySelectorAll('[name="' + name + '"]').forEach(function (el) { el.setAttribute("aria-invalid", msg ? "true" : "false"); });
  }
  // The SKM's unsur (radio groups "skm.u1".."skm.u9": 1-4) and the optional profile (selects "profile.*").
  function survey() {
    var out = {};
    form.querySelectorAll("input[name^='skm.']:checked").forEach(function (el) { out[el.name.slice(4)] = parseInt(el.value, 10); });
    return out;
  }
  function profile() {
    var out = {};
    form.querySelectorAll("select[name^='profile.']").forEach(function (el) { if (el.value) out[el.name.slice(8)] = el.value; });
    return out;
  }
  function focusField(name) { var el = form.querySelector('[name="' + name + '"]'); if (el) el.focus(); }
  var RULES = {
    satisfaction: function () { return picked("satisfaction") ? "" : "Pilih tingkat kepuasan Anda (1–5)."; },
    answered: function () { return picked("answered") ? "" : "Pilih apakah masalah Anda terjawab."; },
    helpfulness: function () { return picked("helpfulness") ? "" : "Pilih seberapa membantu konsultan (1–5)."; },
    recommend: function () { return picked("recommend") ? "" : "Pilih seberapa besar kemungkinan Anda merekomendasikan layanan ini (0–10)."; },
    days: function () {
      if (picked("follow_up") !== "ya") return "";
      var n = checkedDays().length;
      return !n ? "Pilih minimal satu tanggal yang Anda bisa datang." : n > 5 ? "Pilih paling banyak 5 tanggal." : "";
    }
  };
  form.addEventListener("change", function (e) { if (RULES[e.target.name] && $("err-" + e.target.name).textContent) setError(e.target.name, RULES[e.target.name]()); });

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    setError("_form", "");
    var first = null;
    Object.keys(RULES).forEach(function (name) { var msg = RULES[name](); setError(name, msg); if (msg && !first) first = name; });
    if (first) { focusField(first); return; }
    var want = picked("follow_up") === "ya";
    var payload = {
      e: exp, t: sig,
      satisfaction: parseInt(picked("satisfaction"), 10), answered: picked("answered"),
      helpfulness: parseInt(picked("helpfulness"), 10), recommend: parseInt(picked("recommend"), 10),
      improve: improve.value, follow_up: want, days: want ? checkedDays() : [],
      skm: survey(), profile: profile()
    };
    var btn = $("kirim"); btn.disabled = true; btn.textContent = "Mengirim…";
    call("POST", base, payload).then(function (res) {
      if (res.status === 201) { thanks(res.body.message, res.body.follow_up); return; }
      if (res.status === 409 && res.body.answered) { thanks(formError(res.body, ""), res.body.follow_up); return; }
      var errors = res.body.errors || { _form: "Umpan balik belum terkirim. Coba lagi." };
      var bad = null;
      Object.keys(errors).forEach(function (name) {
        setError(known(name) ? name : "_form", errors[name]);
        if (!bad && known(name)) bad = name;
      });
      if (bad) focusField(bad); else $("err-_form").scrollIntoView();
    }).catch(function () {
      setError("_form", "Koneksi terputus. Jawaban Anda masih di halaman ini; tekan Kirim lagi.");
    }).then(function () { btn.disabled = false; btn.textContent = "Kirim umpan balik"; });
  });
})();
