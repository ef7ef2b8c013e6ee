/* Clean & Clear staff page. Vanilla JS, no framework, CSP-safe (no inline code, no eval).
   Rule: everything that comes from the API goes into the page through textContent or
   createElement, never through innerHTML; visitors type whatever they like. */
(function () {
  "use strict";

  var API = "/api";
  var TOKEN_KEY = "cc-admin-token";
  var FLASH_KEY = "cc-admin-flash";
  var PKCE_KEY = "cc-admin-pkce";
  var MSG_EXPIRED = "Sesi berakhir, silakan masuk lagi.";
  var MSG_FORBIDDEN = "Anda tidak punya akses ke bagian ini.";
  var MSG_OFFLINE = "Koneksi terputus. Periksa jaringan lalu coba lagi.";
  var DAYS = ["Minggu", "Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu"];
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"];
  var SHORT_SERVICE = { koperasi: "Koperasi", ukm: "UKM" };
  var SHORT_MODE = { tatap_muka: "Tatap muka", daring: "Daring" };
  var BLOCK_NAME = { koperasi: "Pagi", ukm: "Siang" };
  var ROLE_LABEL = { admin: "Admin", konsultan: "Konsultan" };

  var config = null;
  var me = null;
  var meta = { services: {}, modes: {}, topics: {}, coop_only_topics: [], kecamatan: [], statuses: {},
    coop_statuses: {}, sectors: {}, sources: {}, weekdays: ["Senin", "Selasa", "Rabu", "Kamis", "Jumat"],
    blocks: { koperasi: "09.00–12.00", ukm: "13.00–16.00" } };

  // ---------------------------------------------------------------- small helpers
  function $(id) { return document.getElementById(id); }

  /** el("td", {className: "x", "data-label": "Nama"}, [child, "text"]): text children become text nodes. */
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v === null || v === undefined || v === false) return;
        if (k === "className") node.className = v;
        else if (k === "text") node.textContent = v;
        else if (k === "hidden") node.hidden = true;
        else if (k === "checked" || k === "value" || k === "type" || k === "disabled") node[k] = v;
        else node.setAttribute(k, v === true ? "" : String(v));
      });
    }
    (children || []).forEach(function (c) {
      if (c === null || c === undefined) return;
      node.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
    });
    return node;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }
  function setStatus(id, text) { var p = $(id); if (p) p.textContent = text || ""; }
  function label(map, code, fallback) {
    if (code === null || code === undefined || code === "") return "—";
    return (map && Object.prototype.hasOwnProperty.call(map, code)) ? map[code] : (fallback && fallback[code]) || String(code);
  }
  /** Labels for a list of codes: from `primary` (e.g. short names), else from `secondary` (meta). */
  function listLabels(primary, codes, secondary) {
    return (codes || []).map(function (c) { return label(primary, c, secondary); }).join(", ") || "—";
  }
  function text(v) { return v === null || v === undefined || v === "" ? "—" : String(v); }

  // Dates: days are WIB calendar days "YYYY-MM-DD"; instants are UTC "...Z". WIB = UTC+7, no DST,
  // so all arithmetic is done on UTC fields and never depends on the browser's time zone.
  function pad(n) { return ("0" + n).slice(-2); }
  function isoOf(d) { return d.getUTCFullYear() + "-" + pad(d.getUTCMonth() + 1) + "-" + pad(d.getUTCDate()); }
  function parseDay(iso) { var p = iso.split("-"); return new Date(Date.UTC(+p[0], +p[1] - 1, +p[2])); }
  function todayWIB() { return isoOf(new Date(Date.now() + 7 * 3600e3)); }
  function addDays(iso, n) { return isoOf(new Date(parseDay(iso).getTime() + n * 864e5)); }
  function mondayOf(iso) { var d = parseDay(iso); return addDays(iso, -((d.getUTCDay() + 6) % 7)); }
  /** Monday of the working week to show first: this week, or the next one on Saturday and Sunday. */
  function currentWeek() { var t = todayWIB(), wd = parseDay(t).getUTCDay(); return mondayOf(wd === 0 || wd === 6 ? addDays(t, 2) : t); }
  function validDay(v) { return /^\d{4}-\d{2}-\d{2}$/.test(v || ""); }
  function fmtDay(iso, long) {
    if (!validDay(iso)) return text(iso);
    var d = parseDay(iso);
    var wd = DAYS[d.getUTCDay()];
    return (long ? wd : wd.slice(0, 3)) + ", " + d.getUTCDate() + " " + MONTHS[d.getUTCMonth()] + " " + d.getUTCFullYear();
  }
  function fmtShortDay(iso) { var d = parseDay(iso); return d.getUTCDate() + " " + MONTHS[d.getUTCMonth()]; }
  function fmtInstant(isoZ) {
    var t = Date.parse(isoZ || "");
    if (isNaN(t)) return text(isoZ);
    var d = new Date(t + 7 * 3600e3);
    return d.getUTCDate() + " " + MONTHS[d.getUTCMonth()] + " " + d.getUTCFullYear() + " " +
      pad(d.getUTCHours()) + "." + pad(d.getUTCMinutes()) + " WIB";
  }
  function fmtClock(isoZ) {
    var t = Date.parse(isoZ || "");
    if (isNaN(t)) return text(isoZ);
    var d = new Date(t + 7 * 3600e3);
    return pad(d.getUTCHours()) + "." + pad(d.getUTCMinutes()) + "." + pad(d.getUTCSeconds()) + " WIB";
  }
  function fmtRange(a, b) {
    var x = parseDay(a), y = parseDay(b);
    var left = x.getUTCDate() + (x.getUTCMonth() !== y.getUTCMonth() ? " " + MONTHS[x.getUTCMonth()] : "") +
      (x.getUTCFullYear() !== y.getUTCFullYear() ? " " + x.getUTCFullYear() : "");
    return left + "–" + y.getUTCDate() + " " + MONTHS[y.getUTCMonth()] + " " + y.getUTCFullYear();
  }

  // ---------------------------------------------------------------- session
  function session() {
    try {
      var s = JSON.parse(sessionStorage.getItem(TOKEN_KEY) || "null");
      if (s && s.token && (!s.exp || s.exp > Date.now())) return s;
      if (s) { sessionStorage.removeItem(TOKEN_KEY); sessionStorage.setItem(FLASH_KEY, MSG_EXPIRED); }
    } catch (e) { sessionStorage.removeItem(TOKEN_KEY); }
    return null;
  }
  function jwtExp(token) {
    try {
      var part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
      while (part.length % 4) part += "=";
      var exp = JSON.parse(atob(part)).exp;
      return typeof exp === "number" ? exp * 1000 : null;
    } catch (e) { return null; }
  }
  function keepToken(token, expiresIn) {
    var exp = expiresIn ? Date.now() + expiresIn * 1000 : jwtExp(token);
    sessionStorage.setItem(TOKEN_KEY, JSON.stringify({ token: token, exp: exp }));
  }
  /** Back to the sign-in form with a message; a reload drops every piece of data from memory. */
  function backToSignIn(message) {
    sessionStorage.removeItem(TOKEN_KEY);
    if (message) sessionStorage.setItem(FLASH_KEY, message);
    location.reload();
  }

  var STOP = { stop: true }; // rejection value after a 401: the page is reloading, do nothing more

  function rawApi(method, path, body) {
    var s = session();
    if (!s) { backToSignIn(MSG_EXPIRED); return Promise.reject(STOP); }
    var opts = { method: method, cache: "no-store", headers: { Authorization: "Bearer " + s.token, Accept: "application/json" } };
    if (body !== undefined) { opts.headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(body); }
    return fetch(API + path, opts).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (b) {
        if (r.status === 401) { backToSignIn(MSG_EXPIRED); throw STOP; }
        return { ok: r.ok, status: r.status, body: b || {} };
      });
    }, function () {
      return { ok: false, status: 0, body: { errors: { _form: MSG_OFFLINE } } };
    });
  }
  /** Calls the API; resolves {ok, status, body}. A refused token ends the session. Never rejects otherwise.
      The API gateway answers 403 both for a token it refuses (expired, revoked, forged) and for a
      role that may not use a route; /staff/me is open to every staff role, so it tells them apart. */
  function api(method, path, body) {
    return rawApi(method, path, body).then(function (res) {
      if (res.status !== 403 || path === "/staff/me") return res;
      return rawApi("GET", "/staff/me").then(function (probe) {
        if (probe.status === 403) { backToSignIn(MSG_EXPIRED); throw STOP; }
        return res;
      });
    });
  }
  function problem(res) {
    if (res.status === 403) return MSG_FORBIDDEN;
    var errs = (res.body && res.body.errors) || {};
    if (errs._form) return errs._form;
    var keys = Object.keys(errs);
    if (keys.length) return keys.map(function (k) { return errs[k]; }).join(" ");
    return res.status ? "Terjadi gangguan (kode " + res.status + "). Coba lagi." : MSG_OFFLINE;
  }
  function ignoreStop(e) { if (e !== STOP) { console.error(e); } }
  function qs(params) {
    var parts = [];
    Object.keys(params).forEach(function (k) {
      if (params[k] !== "" && params[k] !== null && params[k] !== undefined) parts.push(encodeURIComponent(k) + "=" + encodeURIComponent(params[k]));
    });
    return parts.length ? "?" + parts.join("&") : "";
  }

  // ---------------------------------------------------------------- forms and errors
  /** Shows {field: message} next to the fields of a form whose error slots are #<prefix>-err-<field>. */
  function showErrors(form, prefix, errors) {
    clearErrors(form, prefix);
    var first = null, rest = [];
    Object.keys(errors || {}).forEach(function (name) {
      var slot = name === "_form" ? null : $(prefix + "-err-" + name);
      if (!slot) { rest.push(errors[name]); return; }
      slot.textContent = errors[name];
      var input = form.elements[name] || $(prefix + "-" + name);
      if (input && input.setAttribute) input.setAttribute("aria-invalid", "true");
      if (!first) first = input && input.focus ? input : (slot.parentNode.querySelector("input,select") || null);
    });
    var box = $(prefix + "-err-_form");
    if (rest.length && box) { box.textContent = rest.join(" "); box.hidden = false; }
    if (first) first.focus(); else if (box && !box.hidden) box.scrollIntoView({ block: "nearest" });
  }
  function clearErrors(form, prefix) {
    Array.prototype.forEach.call(form.querySelectorAll(".err"), function (p) { p.textContent = ""; });
    Array.prototype.forEach.call(form.querySelectorAll("[aria-invalid]"), function (i) { i.removeAttribute("aria-invalid"); });
    var box = $(prefix + "-err-_form");
    if (box) { box.textContent = ""; box.hidden = true; }
  }
  function formError(prefix, message) {
    var box = $(prefix + "-err-_form");
    box.textContent = message; box.hidden = false;
  }
  /** Runs a write: disables the button, shows field errors or calls done(body). */
  function submit(form, prefix, button, method, path, body, done) {
    clearErrors(form, prefix);
    button.disabled = true;
    return api(method, path, body).then(function (res) {
      button.disabled = false;
      if (res.ok) return done(res.body);
      if (res.status === 403) return formError(prefix, MSG_FORBIDDEN);
      showErrors(form, prefix, (res.body && res.body.errors) || { _form: problem(res) });
    }).catch(function (e) { button.disabled = false; ignoreStop(e); });
  }
  function fillSelect(select, options, emptyLabel) {
    clear(select);
    if (emptyLabel !== undefined) select.appendChild(el("option", { value: "", text: emptyLabel }));
    options.forEach(function (o) { select.appendChild(el("option", { value: o[0], text: o[1] })); });
  }
  function pairs(map) { return Object.keys(map || {}).map(function (k) { return [k, map[k]]; }); }
  function checkGroup(box, map, extra) {
    clear(box);
    var name = box.getAttribute("data-name");
    Object.keys(map).forEach(function (code) {
      box.appendChild(el("label", { className: "opt-row" }, [
        el("input", { type: "checkbox", name: name, value: code }),
        el("span", null, [map[code], extra && extra[code] ? el("span", { className: "opt", text: " " + extra[code] }) : null])
      ]));
    });
  }
  function checkedValues(form, name) {
    return Array.prototype.filter.call(form.querySelectorAll("input[name=" + name + "]"), function (i) { return i.checked; })
      .map(function (i) { return i.value; });
  }
  function setChecked(form, name, values) {
    Array.prototype.forEach.call(form.querySelectorAll("input[name=" + name + "]"), function (i) { i.checked = (values || []).indexOf(i.value) >= 0; });
  }
  function smallButton(textValue, className, onClick, ariaLabel) {
    var b = el("button", { type: "button", className: "small " + (className || ""), text: textValue, "aria-label": ariaLabel });
    b.addEventListener("click", onClick);
    return b;
  }
  function cell(labelText, content, className) {
    var td = el("td", { "data-label": labelText, className: className });
    if (content && content.nodeType) td.appendChild(content); else td.textContent = text(content);
    return td;
  }
  function emptyRow(tbody, cols, message) {
    tbody.appendChild(el("tr", { className: "empty" }, [el("td", { colspan: cols, text: message })]));
  }

  // ---------------------------------------------------------------- sign-in
  function showSignIn() {
    $("memuat").hidden = true;
    $("masuk").hidden = false;
    var flash = sessionStorage.getItem(FLASH_KEY);
    if (flash) { sessionStorage.removeItem(FLASH_KEY); var m = $("masuk-pesan"); m.textContent = flash; m.hidden = false; }
    if (config.auth === "cognito") {
      $("masuk-cognito").hidden = false;
      $("masuk-cognito-btn").focus();
    } else {
      $("masuk-form").hidden = false;
      $("masuk-email").focus();
    }
  }

  $("masuk-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var form = e.target, btn = $("masuk-kirim");
    var body = { email: form.elements.email.value.trim(), password: form.elements.password.value };
    var local = {};
    if (!body.email) local.email = "Isi e-mail.";
    if (!body.password) local.password = "Isi kata sandi.";
    if (Object.keys(local).length) { showErrors(form, "masuk", local); return; }
    clearErrors(form, "masuk");
    btn.disabled = true; btn.textContent = "Memeriksa…";
    fetch(API + "/auth/local/login", {
      method: "POST", cache: "no-store",
      headers: { "Content-Type": "application/json", Accept: "application/json" }, body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (b) { return { status: r.status, body: b || {} }; });
    }).then(function (res) {
      btn.disabled = false; btn.textContent = "Masuk";
      if (res.status === 200 && res.body.token) {
        keepToken(res.body.token, res.body.expires_in);
        form.elements.password.value = "";
        $("masuk").hidden = true; $("masuk-pesan").hidden = true;
        return start(true);
      }
      if (res.status === 404) return showErrors(form, "masuk", { _form: "Masuk dengan akun lokal tidak tersedia di sini." });
      showErrors(form, "masuk", res.body.errors || { _form: "E-mail atau kata sandi salah." });
    }).catch(function () {
      btn.disabled = false; btn.textContent = "Masuk";
      showErrors(form, "masuk", { _form: MSG_OFFLINE });
    });
  });

  // Cognito Hosted UI: OAuth2 authorization code with PKCE (S256).
  function randomString(bytes) {
    var a = new Uint8Array(bytes); crypto.getRandomValues(a);
    return base64url(a);
  }
  function base64url(bytes) {
    var s = ""; for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function challengeOf(verifier) {
    return crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)).then(function (h) { return base64url(new Uint8Array(h)); });
  }
  function cognitoBase() { return "https://" + config.domain; }

  $("masuk-cognito-btn").addEventListener("click", function () {
    var verifier = randomString(48), state = randomString(24);
    challengeOf(verifier).then(function (challenge) {
      sessionStorage.setItem(PKCE_KEY, JSON.stringify({ verifier: verifier, state: state, hash: location.hash }));
      location.assign(cognitoBase() + "/oauth2/authorize" + qs({
        response_type: "code", client_id: config.client_id, redirect_uri: config.redirect_uri,
        scope: config.scope || "openid email profile", state: state,
        code_challenge: challenge, code_challenge_method: "S256"
      }));
    }).catch(function () {
      var m = $("masuk-pesan"); m.textContent = "Peramban ini tidak mendukung cara masuk yang aman. Gunakan peramban terbaru."; m.hidden = false;
    });
  });

  /** On return from the Hosted UI: exchange ?code for tokens; resolves true if signed in. */
  function finishCognito() {
    var params = new URLSearchParams(location.search);
    if (!params.has("code") && !params.has("error")) return Promise.resolve(false);
    var saved = null;
    try { saved = JSON.parse(sessionStorage.getItem(PKCE_KEY) || "null"); } catch (e) { saved = null; }
    sessionStorage.removeItem(PKCE_KEY);
    var code = params.get("code"), state = params.get("state");
    // Drop ?code=… from the address bar and history before anything else.
    history.replaceState(null, "", location.pathname + ((saved && saved.hash) || ""));
    if (params.has("error") || !saved || !code || state !== saved.state) {
      sessionStorage.setItem(FLASH_KEY, "Masuk tidak berhasil. Silakan coba lagi.");
      return Promise.resolve(false);
    }
    return fetch(cognitoBase() + "/oauth2/token", {
      method: "POST", cache: "no-store",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "authorization_code", client_id: config.client_id, code: code,
        code_verifier: saved.verifier, redirect_uri: config.redirect_uri
      }).toString()
    }).then(function (r) { return r.json().then(function (b) { return { ok: r.ok, body: b }; }); })
      .then(function (res) {
        if (!res.ok || !res.body.id_token) throw new Error("token");
        keepToken(res.body.id_token, res.body.expires_in);
        return true;
      }).catch(function () {
        sessionStorage.setItem(FLASH_KEY, "Masuk tidak berhasil. Silakan coba lagi.");
        return false;
      });
  }

  $("keluar").addEventListener("click", function () {
    sessionStorage.removeItem(TOKEN_KEY);
    if (config && config.auth === "cognito") {
      location.assign(cognitoBase() + "/logout" + qs({ client_id: config.client_id, logout_uri: config.logout_uri || config.redirect_uri }));
      return;
    }
    sessionStorage.setItem(FLASH_KEY, "Anda sudah keluar.");
    history.replaceState(null, "", location.pathname);
    location.reload();
  });

  // ---------------------------------------------------------------- start and roles
  var roles = [];
  function can(role) { return roles.indexOf(role) >= 0; }

  function start(justSignedIn) {
    $("memuat").hidden = false;
    return api("GET", "/staff/me").then(function (res) {
      if (res.status === 403 && !justSignedIn) return backToSignIn(MSG_EXPIRED);
      if (res.status === 403) { $("memuat").hidden = true; return fatal("Akun ini belum punya akses ke halaman staf. Hubungi koordinator."); }
      if (!res.ok) { $("memuat").hidden = true; return fatal(problem(res)); }
      me = res.body;
      roles = me.roles || [];
      return api("GET", "/staff/meta").then(function (m) {
        if (m.ok) Object.keys(m.body).forEach(function (k) { meta[k] = m.body[k]; });
        else if (can("admin")) fatal("Label layanan tidak dapat dimuat: " + problem(m));
        $("memuat").hidden = true;
        showApp();
      });
    }).catch(ignoreStop);
  }
  function fatal(message) { var p = $("pesan"); p.textContent = message; p.hidden = false; $("who").hidden = false; }

  function showApp() {
    // Remove (not just hide) what the role may not use; the server enforces it anyway.
    // "Jadwal saya" (data-role=konsultan) also belongs to an admin whose account is linked to a consultant.
    Array.prototype.forEach.call(document.querySelectorAll("[data-role]"), function (node) {
      var role = node.getAttribute("data-role");
      if (!can(role) && !(role === "konsultan" && me.consultant_id)) node.parentNode.removeChild(node);
    });
    $("who-name").textContent = me.consultant_name || me.email || "";
    $("who-role").textContent = roles.map(function (r) { return ROLE_LABEL[r] || r; }).join(", ");
    $("who").hidden = false;
    if (!document.querySelector(".view")) { fatal("Akun Anda belum punya peran di halaman ini. Hubungi koordinator."); return; }
    $("menu").hidden = false;
    if (can("admin")) setUpAdminForms();
    window.addEventListener("hashchange", route);
    route();
  }

  var loaders = {};
  var currentView = null;
  function route() {
    var hash = location.hash;
    if (hash && hash.indexOf("#/") !== 0) return; // e.g. the skip link (#main)
    var parts = hash.slice(2).split("/");
    var name = parts[0], arg = parts[1] ? decodeURIComponent(parts[1]) : null;
    var section = name && $("sec-" + name);
    if (!section) {
      var first = document.querySelector("#menu a");
      history.replaceState(null, "", first.getAttribute("href"));
      return route();
    }
    Array.prototype.forEach.call(document.querySelectorAll(".view"), function (v) { v.hidden = v !== section; });
    Array.prototype.forEach.call(document.querySelectorAll("#menu a"), function (a) {
      if (a.getAttribute("href") === "#/" + name) { a.setAttribute("aria-current", "page"); revealInMenu(a); } else a.removeAttribute("aria-current");
    });
    var changed = currentView !== name;
    currentView = name;
    document.title = section.querySelector("h1").textContent + " — Clean & Clear staf";
    if (loaders[name]) loaders[name](arg, changed);
    if (changed && !arg) section.querySelector("h1").focus();
  }
  $("skip").addEventListener("click", function (e) { e.preventDefault(); $("main").focus(); });
  /** On a phone the menu is one row that scrolls sideways: keep the current section in sight. */
  function revealInMenu(a) {
    var strip = a.parentNode.parentNode, box = strip.getBoundingClientRect(), r = a.getBoundingClientRect();
    if (r.left < box.left) strip.scrollLeft -= box.left - r.left + 16;
    else if (r.right > box.right) strip.scrollLeft += r.right - box.right + 16;
  }

  // ---------------------------------------------------------------- shared lists
  var consultants = [];
  var rooms = [];
  function loadConsultants() {
    return api("GET", "/staff/consultants").then(function (res) {
      if (res.ok) consultants = (res.body.items || []).slice().sort(function (a, b) { return String(a.name).localeCompare(String(b.name), "id"); });
      return res;
    });
  }
  function consultantName(id) {
    for (var i = 0; i < consultants.length; i++) if (consultants[i].id === id) return consultants[i].name;
    return id;
  }

  function setUpAdminForms() {
    checkGroup($("k-services"), meta.services);
    checkGroup($("k-modes"), meta.modes);
    var only = {};
    (meta.coop_only_topics || []).forEach(function (t) { only[t] = "(khusus koperasi)"; });
    checkGroup($("k-topics"), meta.topics, only);
    fillSelect($("r-exc-service"), pairs(meta.services).map(function (p) { return [p[0], p[1] + " (" + (meta.blocks[p[0]] || "") + ")"]; }));
    fillSelect($("t-service"), [["", "Seluruh hari"]].concat(pairs(meta.services)));
    fillSelect($("se-cd-service"), [["", "Semua layanan konsultan"]].concat(pairs(meta.services).map(function (p) { return [p[0], p[1] + " (" + (meta.blocks[p[0]] || "") + ")"]; })));
    fillSelect($("p-status"), pairs(meta.statuses), "Semua status");
    fillSelect($("p-service"), pairs(meta.services), "Semua layanan");
    fillSelect($("p-kecamatan"), (meta.kecamatan || []).map(function (k) { return [k, k]; }), "Semua kecamatan");
    var year = +todayWIB().slice(0, 4);
    fillSelect($("t-year"), [year - 1, year, year + 1].map(function (y) { return [String(y), String(y)]; }));
    $("t-year").value = String(year);
    $("r-pat-koperasi").textContent = "Pagi · " + (SHORT_SERVICE.koperasi);
    $("r-pat-ukm").textContent = "Siang · " + (SHORT_SERVICE.ukm);
  }

  // ---------------------------------------------------------------- 1. Konsultan
  var editingConsultant = null;
  loaders.konsultan = function () {
    setStatus("k-status", "Memuat…");
    loadConsultants().then(function (res) {
      if (!res.ok) return setStatus("k-status", problem(res));
      setStatus("k-status", consultants.length + " konsultan");
      renderConsultants();
    }).catch(ignoreStop);
  };
  function renderConsultants() {
    var tbody = clear($("k-isi"));
    if (!consultants.length) return emptyRow(tbody, 5, "Belum ada konsultan. Tambahkan tim Clean & Clear.");
    consultants.forEach(function (c) {
      var who = el("div", null, [el("strong", { text: c.name }),
        el("span", { className: "minor", text: [c.whatsapp, c.email].filter(Boolean).join(" · ") }),
        c.staff_email ? el("span", { className: "minor", text: "Akun staf: " + c.staff_email }) : null]);
      tbody.appendChild(el("tr", { "data-id": c.id }, [
        cell("Nama", who),
        cell("Layanan", listLabels(SHORT_SERVICE, c.services, meta.services)),
        cell("Cara", listLabels(SHORT_MODE, c.modes, meta.modes)),
        cell("Status", el("span", { className: c.active ? "badge" : "badge muted", text: c.active ? "Aktif" : "Tidak aktif" })),
        cell("", smallButton("Ubah", "secondary", function () { openConsultantForm(c); }, "Ubah " + c.name), "act")
      ]));
    });
  }
  function openConsultantForm(c) {
    var form = $("k-form");
    editingConsultant = c || null;
    clearErrors(form, "k");
    $("k-form-judul").textContent = c ? "Ubah konsultan" : "Tambah konsultan";
    form.elements.name.value = c ? c.name || "" : "";
    form.elements.whatsapp.value = c ? c.whatsapp || "" : "";
    form.elements.email.value = c ? c.email || "" : "";
    form.elements.staff_email.value = c ? c.staff_email || "" : "";
    setChecked(form, "services", c ? c.services : []);
    setChecked(form, "modes", c ? c.modes : []);
    setChecked(form, "topics", c ? c.topics : []);
    $("k-active").checked = c ? !!c.active : true;
    form.hidden = false;
    form.scrollIntoView({ block: "start" });
    $("k-name").focus();
  }
  $("k-tambah").addEventListener("click", function () { openConsultantForm(null); });
  $("k-batal").addEventListener("click", function () { $("k-form").hidden = true; $("k-tambah").focus(); });
  $("k-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var form = e.target;
    var body = {
      name: form.elements.name.value.trim(), whatsapp: form.elements.whatsapp.value.trim(),
      email: form.elements.email.value.trim(), services: checkedValues(form, "services"),
      topics: checkedValues(form, "topics"), modes: checkedValues(form, "modes"),
      active: $("k-active").checked, staff_email: form.elements.staff_email.value.trim() || null
    };
    var editing = editingConsultant;
    var path = editing ? "/staff/consultants/" + encodeURIComponent(editing.id) : "/staff/consultants";
    submit(form, "k", $("k-simpan"), editing ? "PUT" : "POST", path, body, function (saved) {
      form.hidden = true;
      loaders.konsultan();
      setTimeout(function () { setStatus("k-status", (editing ? "Perubahan disimpan: " : "Konsultan ditambahkan: ") + (saved.name || body.name)); }, 0);
      $("k-tambah").focus();
    });
  });

  // ---------------------------------------------------------------- 2. Ruang
  var editingRoom = null;
  function loadRooms() {
    return api("GET", "/staff/rooms").then(function (res) {
      if (res.ok) rooms = (res.body.items || []).slice().sort(function (a, b) { return String(a.name).localeCompare(String(b.name), "id"); });
      return res;
    });
  }
  loaders.ruang = function () {
    setStatus("ru-status", "Memuat…");
    loadRooms().then(function (res) {
      if (!res.ok) return setStatus("ru-status", problem(res));
      setStatus("ru-status", rooms.length + " ruang");
      var tbody = clear($("ru-isi"));
      if (!rooms.length) return emptyRow(tbody, 3, "Belum ada ruang. Tanpa ruang aktif tidak ada sesi tatap muka.");
      rooms.forEach(function (r) {
        tbody.appendChild(el("tr", { "data-id": r.id }, [
          cell("Nama", r.name),
          cell("Status", el("span", { className: r.active ? "badge" : "badge muted", text: r.active ? "Aktif" : "Tidak aktif" })),
          cell("", smallButton("Ubah", "secondary", function () { openRoomForm(r); }, "Ubah " + r.name), "act")
        ]));
      });
    }).catch(ignoreStop);
  };
  function openRoomForm(r) {
    var form = $("ru-form");
    editingRoom = r || null;
    clearErrors(form, "ru");
    $("ru-form-judul").textContent = r ? "Ubah ruang" : "Tambah ruang";
    $("ru-name").value = r ? r.name || "" : "";
    $("ru-active").checked = r ? !!r.active : true;
    form.hidden = false;
    $("ru-name").focus();
  }
  $("ru-tambah").addEventListener("click", function () { openRoomForm(null); });
  $("ru-batal").addEventListener("click", function () { $("ru-form").hidden = true; $("ru-tambah").focus(); });
  $("ru-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var editing = editingRoom;
    var body = { name: $("ru-name").value.trim(), active: $("ru-active").checked };
    var path = editing ? "/staff/rooms/" + encodeURIComponent(editing.id) : "/staff/rooms";
    submit(e.target, "ru", $("ru-simpan"), editing ? "PUT" : "POST", path, body, function () {
      e.target.hidden = true;
      loaders.ruang();
      $("ru-tambah").focus();
    });
  });

  // ---------------------------------------------------------------- 3. Jadwal piket
  var week = null;     // Monday of the week shown
  var roster = null;   // last GET /staff/roster answer
  loaders.piket = function () {
    if (!week) week = currentWeek();
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
    submit(form, "r-exc", $("r-exc-simpan"), "POST", "/staff/roster/exceptions", body, function () {
      setStatus("r-exc-status", "Pengecualian disimpan: " + consultantName(body.consultant_id) + ", " + fmtDay(body.day) + ".");
      if (body.day < week || body.day > addDays(week, 6)) week = mondayOf(body.day);
      loaders.piket();
    });
  });
  function moveWeek(n) { week = n === 0 ? currentWeek() : addDays(week, 7 * n); setStatus("r-copy-status", ""); loaders.piket(); }
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

  // ---------------------------------------------------------------- 4. Hari tutup
  loaders.tutup = function () {
    var year = $("t-year").value;
    setStatus("t-status", "Memuat…");
    if (!$("t-day").value) $("t-day").value = todayWIB();
    api("GET", "/staff/closures" + qs({ year: year })).then(function (res) {
      if (!res.ok) return setStatus("t-status", problem(res));
      setStatus("t-status", "");
      var hol = clear($("t-libur"));
      var holidays = (res.body.holidays || []).slice().sort(function (a, b) { return a.day.localeCompare(b.day); });
      if (!holidays.length) emptyRow(hol, 2, "Tidak ada data libur untuk tahun " + year + ".");
      holidays.forEach(function (h) { hol.appendChild(el("tr", null, [cell("Tanggal", fmtDay(h.day), "nowrap"), cell("Keterangan", h.reason)])); });
      var off = clear($("t-kantor"));
      var office = (res.body.office || []).slice().sort(function (a, b) { return a.day.localeCompare(b.day); });
      if (!office.length) emptyRow(off, 4, "Belum ada penutupan kantor pada " + year + ".");
      office.forEach(function (c) {
        var what = fmtDay(c.day) + " (" + (c.service ? SHORT_SERVICE[c.service] || c.service : "seluruh hari") + ")";
        off.appendChild(el("tr", null, [
          cell("Tanggal", fmtDay(c.day), "nowrap"),
          cell("Layanan", c.service ? label(meta.services, c.service) : "Seluruh hari"),
          cell("Alasan", c.reason),
          cell("", smallButton("Hapus", "secondary", function (ev) {
            ev.target.disabled = true;
            api("DELETE", "/staff/closures/" + encodeURIComponent(c.day) + "/" + encodeURIComponent(c.service || "all")).then(function (r) {
              if (!r.ok) { ev.target.disabled = false; return setStatus("t-status", problem(r)); }
              loaders.tutup();
              setStatus("t-status", "Penutupan " + what + " dihapus.");
            }).catch(ignoreStop);
          }, "Hapus penutupan " + what), "act")
        ]));
      });
    }).catch(ignoreStop);
  };
  $("t-year").addEventListener("change", function () { loaders.tutup(); });
  $("t-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var form = e.target;
    var body = { day: $("t-day").value, service: $("t-service").value || null, reason: $("t-reason").value.trim() };
    var local = {};
    if (!validDay(body.day)) local.day = "Isi tanggal.";
    if (!body.reason) local.reason = "Tulis alasannya, mis. pelatihan pegawai.";
    if (Object.keys(local).length) return showErrors(form, "t", local);
    submit(form, "t", $("t-simpan"), "POST", "/staff/closures", body, function () {
      $("t-reason").value = "";
      if (body.day.slice(0, 4) !== $("t-year").value) $("t-year").value = body.day.slice(0, 4);
      loaders.tutup();
      setTimeout(function () { setStatus("t-status", "Penutupan " + fmtDay(body.day) + " ditambahkan."); }, 0);
    });
  });

  // ---------------------------------------------------------------- 5. Slot & kapasitas
  loaders.slot = function (arg, changed) {
    if (!$("s-from").value) {
      var monday = currentWeek();
      $("s-from").value = monday;
      $("s-to").value = addDays(monday, 11);
    }
    if (changed) showSlots();
  };
  function showSlots() {
    var form = $("s-form"), from = $("s-from").value, to = $("s-to").value;
    var local = {};
    if (!validDay(from)) local.from = "Isi tanggal awal.";
    if (!validDay(to)) local.to = "Isi tanggal akhir.";
    else if (validDay(from) && to < from) local.to = "Tanggal akhir harus sesudah tanggal awal.";
    else if (validDay(from) && parseDay(to) - parseDay(from) > 30 * 864e5) local.to = "Paling panjang 31 hari.";
    if (Object.keys(local).length) return showErrors(form, "s", local);
    clearErrors(form, "s");
    setStatus("s-status", "Memuat…");
    var range = qs({ from: from, to: to });
    Promise.all([api("GET", "/staff/capacity" + range), api("GET", "/staff/slots" + range)]).then(function (all) {
      var cap = all[0], slots = all[1];
      if (!cap.ok) return showErrors(form, "s", (cap.body && cap.body.errors) || { _form: problem(cap) });
      if (!slots.ok) return showErrors(form, "s", (slots.body && slots.body.errors) || { _form: problem(slots) });
      renderSlots(cap.body.days || [], slots.body.slots || []);
    }).catch(ignoreStop);
  }
  $("s-form").addEventListener("submit", function (e) { e.preventDefault(); showSlots(); });
  function renderSlots(days, slots) {
    var box = clear($("s-isi"));
    var byDay = {};
    slots.forEach(function (s) { (byDay[s.day] = byDay[s.day] || []).push(s); });
    var total = { offered: 0, taken: 0 };
    var shown = days.map(function (d) { return d.day; });
    Object.keys(byDay).forEach(function (d) { if (shown.indexOf(d) < 0) { shown.push(d); days.push({ day: d, services: {} }); } });
    days.sort(function (a, b) { return a.day.localeCompare(b.day); });
    if (!days.length) box.appendChild(el("p", { className: "hint", text: "Tidak ada hari layanan pada rentang ini." }));
    days.forEach(function (d) {
      var list = (byDay[d.day] || []).slice().sort(function (a, b) { return String(a.start).localeCompare(String(b.start)) || String(a.consultant_name).localeCompare(String(b.consultant_name)); });
      var art = el("article", { className: "card day", "data-day": d.day }, [el("h2", { text: fmtDay(d.day, true) })]);
      var services = Object.keys(d.services || {});
      if (services.length) {
        var tbl = el("table", { className: "cap" }, [
          el("caption", { className: "sr", text: "Kapasitas " + fmtDay(d.day, true) }),
          el("thead", null, [el("tr", null, [el("th", { scope: "col", text: "Cara" }),
            el("th", { scope: "col", text: "Ditawarkan" }), el("th", { scope: "col", text: "Terisi" }), el("th", { scope: "col", text: "Sisa" })])])]);
        var tb = el("tbody");
        services.forEach(function (service) {
          var s = d.services[service] || {};
          tb.appendChild(el("tr", { className: "svc" }, [el("th", { scope: "rowgroup", colspan: 4 }, [
            label(meta.services, service), el("span", { className: "minor inline", text: meta.blocks[service] || "" })])]));
          [["tatap_muka", SHORT_MODE.tatap_muka], ["daring", SHORT_MODE.daring], ["seats", "Total kursi"]].forEach(function (m) {
            var v = s[m[0]] || { offered: 0, taken: 0, free: 0 };
            if (m[0] === "seats") { total.offered += v.offered || 0; total.taken += v.taken || 0; }
            tb.appendChild(el("tr", { className: m[0] === "seats" ? "total" : "", "data-service": service, "data-mode": m[0] }, [
              el("th", { scope: "row" }, [el("span", { className: "sr", text: (SHORT_SERVICE[service] || service) + ", " }), m[1]]),
              el("td", { text: String(v.offered || 0) }), el("td", { text: String(v.taken || 0) }),
              el("td", { className: (v.free || 0) === 0 && (v.offered || 0) > 0 ? "full" : "", text: String(v.free || 0) })]));
          });
        });
        tbl.appendChild(tb);
        art.appendChild(el("div", { className: "table-wrap" }, [tbl]));
      }
      if (list.length) {
        // One row per start time; each slot one line: consultant · modes · room · taken.
        var times = [], byTime = {};
        list.forEach(function (s) {
          var t = String(s.start_wib || "").slice(11).replace(":", ".") || fmtInstant(s.start);
          if (!byTime[t]) { byTime[t] = []; times.push(t); }
          byTime[t].push(s);
        });
        var free = list.filter(function (s) { return !s.taken; }).length;
        var det = el("details", null, [el("summary", { text: "Daftar slot: " + list.length + " (" + free + " kosong)" })]);
        var st = el("table", { className: "slots" }, [
          el("caption", { className: "sr", text: "Slot " + fmtDay(d.day, true) }),
          el("thead", null, [el("tr", null, [el("th", { scope: "col", text: "Waktu (WIB)" }), el("th", { scope: "col", text: "Konsultan · cara · ruang" })])])]);
        var sb = el("tbody");
        times.forEach(function (t) {
          var first = byTime[t][0];
          var ul = el("ul", { className: "slotlist" });
          byTime[t].forEach(function (s) {
            var room = s.room_name || (s.room_id ? s.room_id : null);
            ul.appendChild(el("li", { className: s.taken ? "taken" : "", "data-seat": s.seat_id, "data-service": s.service }, [
              el("strong", { text: s.consultant_name || consultantName(s.consultant_id) }),
              " · " + listLabels(SHORT_MODE, s.modes, meta.modes) + (room ? " · " + room : "") + " · ",
              el("span", { className: s.taken ? "state taken" : "state", text: s.taken ? "Terisi" : "Kosong" })]));
          });
          sb.appendChild(el("tr", null, [
            el("th", { scope: "row" }, [t, el("span", { className: "minor", text: SHORT_SERVICE[first.service] || label(meta.services, first.service) })]),
            el("td", null, [ul])]));
        });
        st.appendChild(sb);
        det.appendChild(st);
        art.appendChild(det);
      } else {
        art.appendChild(el("p", { className: "hint", text: "Tidak ada slot (tidak ada petugas atau hari tutup)." }));
      }
      box.appendChild(art);
    });
    setStatus("s-status", "Rentang " + fmtRange($("s-from").value, $("s-to").value) + ": " + slots.length + " slot; kursi ditawarkan " +
      total.offered + ", terisi " + total.taken + ", sisa " + (total.offered - total.taken) + ".");
  }

  // ---------------------------------------------------------------- 5b. Sesi
  var SESSION_HOLDING = ["terjadwal", "hadir", "tidak_hadir"];
  var se = { view: "hari", day: null, items: [], request: 0, dirty: false, opened: null, back: null };
  function sessionLabel(s) { return s.status_label || label(meta.session_statuses, s.status); }
  function sessionTime(s) {
    var start = String(s.start_wib || "").slice(11).replace(":", ".");
    return start ? start + "–" + String(s.end_wib || "").replace(":", ".") : fmtInstant(s.start);
  }
  function sessionWhen(s) { return fmtDay(s.day, true) + ", " + sessionTime(s) + " WIB"; }
  function sessionPlace(s) {
    if (s.mode === "tatap_muka") return SHORT_MODE.tatap_muka + (s.room_name || s.room_id ? ", " + (s.room_name || s.room_id) : "");
    return SHORT_MODE[s.mode] || label(meta.modes, s.mode);
  }
  function isCancelled(s) { return SESSION_HOLDING.indexOf(s.status) < 0; }
  /** A Zoom link only when it is a plain https URL (never javascript: or data:). */
  function safeUrl(u) { return typeof u === "string" && /^https:\/\/[^\s"'<>]+$/.test(u) ? u : null; }
  function statusBadge(s) { return el("span", { className: "badge st-" + s.status, text: sessionLabel(s) }); }
  /** Monday to Friday of the week of `day`, or the day itself. */
  function seRange() {
    if (se.view === "minggu") { var m = mondayOf(se.day); return { from: m, to: addDays(m, 4) }; }
    return { from: se.day, to: se.day };
  }
  function workingDayFrom(iso) { var wd = parseDay(iso).getUTCDay(); return wd === 6 ? addDays(iso, 2) : wd === 0 ? addDays(iso, 1) : iso; }
  function countBy(items) {
    var n = {};
    items.forEach(function (s) { n[s.status] = (n[s.status] || 0) + 1; });
    return n;
  }
  function statusSummary(items) {
    var n = countBy(items);
    return ["terjadwal", "hadir", "tidak_hadir"].filter(function (k) { return n[k]; })
      .map(function (k) { return n[k] + " " + label(meta.session_statuses, k, { terjadwal: "terjadwal", hadir: "hadir", tidak_hadir: "tidak hadir" }).toLowerCase(); }).join(", ");
  }

  loaders.sesi = function (arg) {
    if (arg && validDay(arg)) { se.view = "hari"; se.day = arg; }
    else if (arg && arg.indexOf("minggu-") === 0 && validDay(arg.slice(7))) { se.view = "minggu"; se.day = arg.slice(7); }
    if (!se.day) se.day = workingDayFrom(todayWIB());
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
      (hiddenN ? "; " + hiddenN + " sesi dibatalkan tidak ditampilkan." : cancelledN ? "; " + cancelledN + " sesi dibatalkan." : "."));
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
          el("p", { className: "when" }, [sessionTime(s), " ", statusBadge(s), s.fixed ? el("span", { className: "tag manual", text: "manual" }) : null]),
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
            "aria-label": sessionTime(s) + " " + text(s.name) + ", " + sessionLabel(s) + ". Buka rincian." },
            [String(s.start_wib || "").slice(11).replace(":", ".") + " " + text(s.name)]);
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
    if (n === 0) se.day = workingDayFrom(todayWIB());
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

  $("se-run").addEventListener("click", function () {
    var btn = $("se-run");
    btn.disabled = true;
    setStatus("se-run-status", "Menjalankan penjadwalan…");
    api("POST", "/staff/allocation/run", {}).then(function (res) {
      btn.disabled = false;
      if (!res.ok) return setStatus("se-run-status", problem(res));
      setStatus("se-run-status", allocationSentence(res.body));
      loadSessions();
    }).catch(function (e) { btn.disabled = false; ignoreStop(e); });
  });
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
    api("GET", "/staff/sessions" + qs({ from: body.day, to: body.day, consultant_id: body.consultant_id })).then(function (res) {
      setStatus("se-cd-status", "");
      if (!res.ok) return showErrors(form, "se-cd", (res.body && res.body.errors) || { _form: problem(res) });
      var n = (res.body.items || []).filter(function (s) { return s.status === "terjadwal" && (!body.service || s.service === body.service); }).length;
      var who = consultantName(body.consultant_id) + ", " + fmtDay(body.day, true) + " (" + (body.service ? label(meta.services, body.service) : "semua layanannya") + ")";
      $("se-cd-tanya").textContent = who + ": " + (n ? n + " sesi terjadwal akan dibatalkan dan pendaftarnya kembali ke antrean di urutan semula." :
        "tidak ada sesi terjadwal.") + " Konsultan dicatat cuti pada hari itu. Lanjutkan?";
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
      var n = res.body.cancelled || 0;
      setStatus("se-cd-status", "Hari " + fmtDay(body.day, true) + " untuk " + consultantName(body.consultant_id) + " dibatalkan: " +
        (n ? n + " sesi dibatalkan, pendaftarnya kembali ke antrean." : "tidak ada sesi yang perlu dibatalkan.") + " Konsultan dicatat cuti.");
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
    $("se-d-ref").textContent = s.reference || "";
    function row(name, value, field) {
      dl.appendChild(el("dt", { text: name }));
      var dd = el("dd", { "data-field": field });
      if (value && value.nodeType) dd.appendChild(value); else dd.textContent = text(value);
      dl.appendChild(dd);
    }
    row("Waktu", sessionWhen(s), "when");
    row("Status", statusBadge(s), "status");
    row("Pendaftar", el("span", null, [el("strong", { text: text(s.name) }), s.org_name ? el("span", { className: "minor", text: s.org_name }) : null]), "name");
    row("Kode pendaftaran", el("a", { href: "#/pendaftaran/" + encodeURIComponent(String(s.reference || "").replace(/-/g, "")), className: "ref-link", text: s.reference }), "reference");
    row("WhatsApp", s.whatsapp, "whatsapp");
    row("Topik", listLabels(meta.topics, s.topics), "topics");
    row("Layanan", label(meta.services, s.service), "service");
    row("Konsultan", s.consultant_name || consultantName(s.consultant_id), "consultant");
    row("Tempat", sessionPlace(s), "place");
    if (s.meeting) {
      var url = safeUrl(s.meeting.join_url);
      row("Zoom", el("span", null, [s.meeting.state_label || s.meeting.state || "—",
        url ? el("span", { className: "minor" }, [el("a", { href: url, target: "_blank", rel: "noopener noreferrer", text: "Tautan rapat" })]) : null,
        s.meeting.error ? el("span", { className: "minor", text: "Gangguan: " + s.meeting.error }) : null]), "meeting");
    }
    row("Dijadwalkan oleh", s.fixed ? "Petugas (tidak dipindah penjadwalan otomatis)" : "Penjadwalan otomatis", "fixed");
    var holding = SESSION_HOLDING.indexOf(s.status) >= 0;
    $("se-d-aksi").hidden = !holding;
    $("se-d-ubah").hidden = s.status !== "terjadwal";
    $("se-d-hadir-ya").setAttribute("aria-pressed", String(s.status === "hadir"));
    $("se-d-hadir-tidak").setAttribute("aria-pressed", String(s.status === "tidak_hadir"));
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
    submit(e.target, "se-c", $("se-c-ya"), "POST", "/staff/sessions/" + encodeURIComponent(s.id) + "/cancel", { requeue: requeue }, function () {
      e.target.hidden = true;
      var updated = {}; Object.keys(s).forEach(function (k) { updated[k] = s[k]; });
      updated.status = "batal_kantor"; updated.status_label = label(meta.session_statuses, "batal_kantor");
      sessionChanged(updated, "Sesi dibatalkan. " + (requeue ? "Pendaftar kembali ke antrean di urutan semula." : "Pendaftarannya ikut dibatalkan."));
      $("h-se-detail").focus();
    });
  });
  $("se-d-pindah").addEventListener("click", function () {
    var s = se.opened;
    $("se-c-form").hidden = true;
    var from = todayWIB();
    movePicker.open({
      title: "Pindahkan sesi " + s.reference, service: s.service, mode: s.mode, modeFixed: true, days: [], exclude: s.start + "|" + s.consultant_id,
      from: from, to: addDays(from, 13),
      hint: "Slot kosong untuk layanan " + label(meta.services, s.service) + ", " + (SHORT_MODE[s.mode] || s.mode).toLowerCase() + ". Sesi lama dilepas setelah slot baru aman.",
      submit: function (slot) {
        return api("PUT", "/staff/sessions/" + encodeURIComponent(s.id), { start: slot.start, consultant_id: slot.consultant_id });
      },
      done: function (session) {
        movePicker.close();
        sessionChanged(session, "Sesi dipindah ke " + sessionWhen(session) + " dengan " + (session.consultant_name || consultantName(session.consultant_id)) + ".");
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

  // The slot picker, shared by "Tetapkan jadwal" (registration detail) and "Pindahkan" (session detail).
  function makePicker(prefix, box, submitLabel) {
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
        return !s.taken && s.service === ctx.service && (s.modes || []).indexOf(mode) >= 0 && (s.start + "|" + s.consultant_id) !== ctx.exclude;
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
          var past = Date.parse(s.start) < now;
          det.appendChild(el("label", { className: "opt-row slot-opt" }, [
            el("input", { type: "radio", name: "slot", value: String(idx), "data-start": s.start, "data-consultant": s.consultant_id }),
            el("span", null, [el("strong", { text: String(s.start_wib || "").slice(11).replace(":", ".") }), " · " + text(s.consultant_name) +
              (mode === "tatap_muka" && s.room_name ? " · " + s.room_name : "") + (past ? " (sudah lewat)" : "")])]));
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
  var movePicker = makePicker("se-m", $("se-m-box"), "Pindahkan ke slot ini");
  var assignPicker = makePicker("p-a", $("p-a-box"), "Tetapkan jadwal");

  // ---------------------------------------------------------------- 6. Pendaftaran
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
    api("GET", "/staff/registrations" + qs(params)).then(function (res) {
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
          cell("Nama", el("span", null, [r.name, el("span", { className: "minor", text: r.whatsapp || "" })])),
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
    ["days", "Tanggal yang ditawarkan"], ["source", "Tahu layanan dari"], ["campaign", "Kampanye"]
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
        else if (key === "source") shown = label(meta.sources, v);
        else if (key === "topics") shown = listLabels(meta.topics, v);
        else if (key === "days") shown = (v || []).map(function (d) { return fmtDay(d, true); }).join("; ") || "—";
        else shown = text(v);
        dl.appendChild(el("dt", { text: f[1] }));
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
    if (!r.session_id) return;
    line.textContent = "Sesi " + r.session_id + " (memuat waktunya…)";
    // No GET /staff/sessions/{id}: look for it over the days the visitor offered (at most 31).
    var days = (r.days || []).slice().sort();
    if (!days.length) return;
    var from = days[0], to = days[days.length - 1];
    if (parseDay(to) - parseDay(from) > 30 * 864e5) to = addDays(from, 30);
    api("GET", "/staff/sessions" + qs({ from: from, to: to })).then(function (res) {
      var found = res.ok && (res.body.items || []).filter(function (x) { return x.id === r.session_id; })[0];
      if ($("p-d-ref").textContent.replace(/-/g, "") !== String(r.reference).replace(/-/g, "")) return;
      clear(line);
      if (!found) { line.textContent = "Sesi " + r.session_id + ". Lihat waktunya di bagian Sesi."; return; }
      line.appendChild(el("strong", { text: sessionWhen(found) }));
      line.appendChild(document.createTextNode(" · " + (found.consultant_name || consultantName(found.consultant_id)) + " · " + sessionPlace(found) + " · " + sessionLabel(found) + " "));
      line.appendChild(el("a", { href: "#/sesi/" + found.day, text: "Lihat di jadwal sesi" }));
    }).catch(ignoreStop);
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

  // ---------------------------------------------------------------- 6b. Kotak keluar
  var OUTBOX_STATUSES = [["pending", "Menunggu dikirim"], ["sent", "Terkirim"], ["delivered", "Sampai"], ["read", "Dibaca"],
    ["failed", "Gagal"], ["skipped", "Tidak dikirim"]];
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
    var form = $("o-form"), day = $("o-day").value, status = $("o-status").value;
    if (day && !validDay(day)) return showErrors(form, "o", { day: "Tanggal tidak valid." });
    if (!day && !status) return showErrors(form, "o", { day: "Isi tanggal, atau pilih status untuk melihat semua hari." });
    clearErrors(form, "o");
    ob.query = { day: day, status: status };
    ob.cursor = null;
    clear($("o-isi"));
    loadOutbox();
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
  function objectOf(list) { var o = {}; list.forEach(function (p) { o[p[0]] = p[1]; }); return o; }
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
      fact("Kepada", m.to);
      fact("Kode", m.reference);
      fact("Dibuat", fmtInstant(m.created_at));
      fact("Terkirim", m.sent_at ? fmtInstant(m.sent_at) : null);
      fact("Percobaan", String(m.attempts || 0));
      fact("Berikutnya", m.next_attempt_at ? fmtInstant(m.next_attempt_at) : null);
      fact("Lewat", m.provider_label);
      card.appendChild(facts);
      if (m.error) card.appendChild(el("p", { className: "err-box", "data-field": "error", text: (m.status === "skipped" ? "Alasan: " : "Kesalahan: ") + m.error }));
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
      if (m.preview_note) card.appendChild(el("p", { className: "hint", text: m.preview_note }));
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
        }, "Kirim ulang: " + (m.template_label || m.template) + " ke " + text(m.to))]));
        card.appendChild(err);
      }
    }
    fill();
    return card;
  }
  $("o-form").addEventListener("submit", function (e) { e.preventDefault(); searchOutbox(); });
  $("o-gagal").addEventListener("click", function () { $("o-day").value = ""; $("o-status").value = "failed"; searchOutbox(); });
  $("o-lagi").addEventListener("click", loadOutbox);
  $("o-run").addEventListener("click", function () {
    var btn = $("o-run");
    btn.disabled = true;
    setStatus("o-run-status", "Mengirim…");
    api("POST", "/staff/outbox/run", {}).then(function (res) {
      btn.disabled = false;
      if (!res.ok) return setStatus("o-run-status", problem(res));
      var r = res.body.reminders || {}, s = res.body.sent || {};
      var parts = [];
      [["sent", "terkirim"], ["retry", "akan dicoba lagi"], ["failed", "gagal"], ["skipped", "tidak dikirim"], ["deferred", "ditunda"], ["busy", "sedang diproses putaran lain"]].forEach(function (k) {
        if (s[k[0]]) parts.push(s[k[0]] + " " + k[1]);
      });
      setStatus("o-run-status", "Pengiriman selesai: " + (s.due ? s.due + " pesan jatuh tempo" + (parts.length ? ", " + parts.join(", ") : "") : "tidak ada pesan yang jatuh tempo") +
        "." + (r.queued ? " Pengingat baru diantrekan: " + r.queued + "." : ""));
      if (ob.query) searchOutbox();
    }).catch(function (e) { btn.disabled = false; ignoreStop(e); });
  });

  // ---------------------------------------------------------------- 8. Evaluasi
  // Charts are small inline SVGs built with createElementNS; colours come from admin.css classes
  // (no style attributes, so the production CSP holds). Each chart also has its numbers as a table.
  var SVGNS = "http://www.w3.org/2000/svg";
  function svgEl(tag, attrs, children) {
    var n = document.createElementNS(SVGNS, tag);
    Object.keys(attrs || {}).forEach(function (k) { if (attrs[k] !== null && attrs[k] !== undefined) n.setAttribute(k, String(attrs[k])); });
    (children || []).forEach(function (c) {
      if (c === null || c === undefined) return;
      n.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
    });
    return n;
  }
  function fmtNum(n, digits) {
    if (n === null || n === undefined || isNaN(n)) return "—";
    return Number(n).toLocaleString("id-ID", { maximumFractionDigits: digits === undefined ? 0 : digits, minimumFractionDigits: digits || 0 });
  }
  function pct(r) { return r === null || r === undefined ? "—" : fmtNum(Math.round(r * 100)) + "%"; }
  function share(part, whole) { return whole ? pct(part / whole) : "—"; }
  function niceMax(v) {
    if (v <= 5) return 5;
    var p = Math.pow(10, Math.floor(Math.log(v) / Math.LN10)), m = v / p;
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
  }
  var chartSeq = 0;
  /** A chart card: title, one-line reading, the SVG, a legend, and the numbers in a folded table.
      `build(width)` draws the SVG once the card is in the page, at the width it has there, so
      one SVG unit is one CSS pixel and the text keeps its size on a phone and on a desktop. */
  function chartCard(box, title, reading, build, legend, table, className) {
    var id = "ch-" + (++chartSeq);
    var fig = el("figure", { className: "card chart" + (className ? " " + className : ""), "aria-labelledby": id + "-t" }, [
      el("h2", { id: id + "-t", text: title }),
      reading ? el("p", { className: "reading", id: id + "-d", text: reading }) : null]);
    box.appendChild(fig);
    if (build) {
      var plot = el("div", { className: "plot" });
      fig.appendChild(plot);
      var svgNode = build(plotWidth(plot));
      svgNode.setAttribute("role", "img");
      svgNode.setAttribute("aria-labelledby", id + "-t" + (reading ? " " + id + "-d" : ""));
      plot.appendChild(svgNode);
    }
    if (legend && legend.length) {
      fig.appendChild(el("ul", { className: "legend-list" }, legend.map(function (l) {
        return el("li", null, [svgEl("svg", { viewBox: "0 0 10 10", width: "12", height: "12", "aria-hidden": "true", "class": "swatch" },
          [svgEl("rect", { width: 10, height: 10, "class": "bar " + l[0] })]), l[1]]);
      })));
    }
    if (table) fig.appendChild(el("details", { className: "numbers" }, [el("summary", { text: "Lihat angka" }), table]));
    return fig;
  }
  function plotWidth(node) { return Math.max(280, Math.min(1100, Math.round(node.clientWidth || 320))); }
  function numbersTable(headers, rows) {
    var t = el("table", { className: "nums" }, [el("thead", null, [el("tr", null, headers.map(function (h, i) {
      return el("th", { scope: "col", className: i ? "n" : "", text: h });
    }))])]);
    var tb = el("tbody");
    rows.forEach(function (r) { tb.appendChild(el("tr", null, r.map(function (v, i) { return i ? el("td", { className: "n", text: v }) : el("th", { scope: "row", text: v }); }))); });
    t.appendChild(tb);
    return t;
  }
  /** Horizontal bars. rows: {label, value | parts:[{value, cls}], valueText, sub, cls}. With
      labelW the label sits left of the bar (short labels), else on its own line above it. */
  function barList(rows, o) {
    o = o || {};
    var W = o.width || 320, labelW = o.labelW || 0, hasSub = rows.some(function (r) { return r.sub; });
    var rowH = labelW ? 22 : hasSub ? 52 : 36, barH = labelW ? 14 : 13, valueW = o.valueW || 44;
    var totals = rows.map(function (r) { return r.parts ? r.parts.reduce(function (a, p) { return a + (p.value || 0); }, 0) : r.value || 0; });
    var max = o.max || Math.max.apply(null, totals.concat([1]));
    var barX = labelW ? labelW + 6 : 0, barMax = W - barX - valueW;
    var s = svgEl("svg", { viewBox: "0 0 " + W + " " + (rows.length * rowH + 2), "class": "bars" + (labelW ? " dense" : "") });
    rows.forEach(function (r, i) {
      var y = i * rowH, by = labelW ? y + 4 : y + 17;
      var g = svgEl("g", { "class": "row" + (r.cls ? " " + r.cls : ""), "data-key": r.key || null });
      if (labelW) g.appendChild(svgEl("text", { x: labelW, y: y + 15.5, "class": "lbl", "text-anchor": "end" }, [r.label]));
      else g.appendChild(svgEl("text", { x: 0, y: y + 13, "class": "lbl" }, [r.label]));
      var x = barX;
      (r.parts || [{ value: r.value || 0, cls: r.barCls || "c0" }]).forEach(function (p) {
        var w = max ? (p.value || 0) / max * barMax : 0;
        if (w > 0) g.appendChild(svgEl("rect", { x: x.toFixed(1), y: by, width: Math.max(w, 1.5).toFixed(1), height: barH, "class": "bar " + (p.cls || "c0") }));
        x += w;
      });
      var zero = totals[i] === 0 && o.markZero;
      if (zero) g.appendChild(svgEl("rect", { x: barX + 0.5, y: by + 0.5, width: barMax - 1, height: barH - 1, "class": "gapbar" }));
      g.appendChild(svgEl("text", { x: (zero ? barX + 4 : x + 4).toFixed(1), y: by + barH - 2.5, "class": zero ? "val gaptext" : "val" },
        [zero && o.zeroText ? o.zeroText : r.valueText || fmtNum(totals[i])]));
      if (r.sub) g.appendChild(svgEl("text", { x: 0, y: by + barH + 15, "class": "sub" }, [r.sub]));
      s.appendChild(g);
    });
    return s;
  }
  /** Vertical stacked columns (e.g. per week). cols: {label, tick, parts:[{value, cls}]}. */
  function columns(cols, o) {
    o = o || {};
    var n = Math.max(cols.length, 1), left = 28, top = 16, bottom = 28, H = o.height || 180;
    var W = Math.max(o.width || 320, n * 24 + left + 6), step = (W - left - 6) / n, bw = Math.min(20, step * 0.72);
    var totals = cols.map(function (c) { return c.parts.reduce(function (a, p) { return a + (p.value || 0); }, 0); });
    var max = niceMax(Math.max.apply(null, totals.concat([1]))), plotH = H - top - bottom;
    var s = svgEl("svg", { viewBox: "0 0 " + W + " " + H, "class": "cols" });
    [0, max / 2, max].forEach(function (v) {
      var y = top + plotH - v / max * plotH;
      s.appendChild(svgEl("line", { x1: left, x2: W - 4, y1: y.toFixed(1), y2: y.toFixed(1), "class": "grid-line" }));
      s.appendChild(svgEl("text", { x: left - 4, y: (y + 3.5).toFixed(1), "class": "axis", "text-anchor": "end" }, [fmtNum(v, v % 1 ? 1 : 0)]));
    });
    var every = Math.max(1, Math.ceil(34 / step)); // a tick label needs about 34 units
    cols.forEach(function (c, i) {
      var x = left + i * step + (step - bw) / 2, y = top + plotH;
      var g = svgEl("g", { "class": "col", "data-key": c.key || null });
      c.parts.forEach(function (p) {
        var h = (p.value || 0) / max * plotH;
        if (h > 0) { y -= h; g.appendChild(svgEl("rect", { x: x.toFixed(1), y: y.toFixed(1), width: bw.toFixed(1), height: h.toFixed(1), "class": "bar " + (p.cls || "c0") })); }
      });
      if (totals[i] && n <= 16) g.appendChild(svgEl("text", { x: (x + bw / 2).toFixed(1), y: (y - 3).toFixed(1), "class": "val", "text-anchor": "middle" }, [fmtNum(totals[i])]));
      if (i % every === 0) g.appendChild(svgEl("text", { x: (x + bw / 2).toFixed(1), y: H - 10, "class": "axis", "text-anchor": "middle" }, [c.tick || c.label]));
      s.appendChild(g);
    });
    return s;
  }

  loaders.evaluasi = function (arg, changed) {
    if (!$("e-to").value) { $("e-to").value = todayWIB(); $("e-from").value = addDays(todayWIB(), -55); }
    if (!$("e-r-month").value) { var t = todayWIB(); $("e-r-month").value = t.slice(0, 7); }
    if (changed) showDashboard();
  };
  var dashRequest = 0;
  function showDashboard() {
    var form = $("e-form"), from = $("e-from").value, to = $("e-to").value, local = {};
    if (!validDay(from)) local.from = "Isi tanggal awal.";
    if (!validDay(to)) local.to = "Isi tanggal akhir.";
    else if (validDay(from) && to < from) local.to = "Tanggal akhir harus sesudah tanggal awal.";
    if (Object.keys(local).length) return showErrors(form, "e", local);
    clearErrors(form, "e");
    setStatus("e-status", "Memuat…");
    var mine = ++dashRequest;
    api("GET", "/staff/dashboard" + qs({ from: from, to: to })).then(function (res) {
      if (mine !== dashRequest) return;
      if (!res.ok) { setStatus("e-status", ""); clear($("e-isi")); return showErrors(form, "e", (res.body && res.body.errors) || { _form: problem(res) }); }
      renderDashboard(res.body);
    }).catch(ignoreStop);
  }
  $("e-form").addEventListener("submit", function (e) { e.preventDefault(); showDashboard(); });

  function renderDashboard(d) {
    var box = clear($("e-isi")), rg = d.range || {}, reg = d.registrations || {}, reach = d.reach || {}, fun = d.funnel || {},
      ses = d.sessions || {}, fb = d.feedback || {}, wait = ses.waiting_days || {}, util = ses.utilisation || {}, all = fb.overall || {};
    var weeks = rg.weeks || [];
    setStatus("e-status", "Minggu " + (weeks[0] || "") + (weeks.length > 1 ? " s.d. " + weeks[weeks.length - 1] : "") + " (" +
      (validDay(rg.from) && validDay(rg.to) ? fmtRange(rg.from, rg.to) : "") + ", " + weeks.length + " minggu).");

    // Key figures
    var attendedN = ses.attended || 0, noShowN = ses.no_show || 0;
    var tiles = [
      ["pendaftar", fmtNum(reg.total || 0), "pendaftar", (reg.follow_ups ? fmtNum(reg.follow_ups) + " sesi lanjutan" : null)],
      ["jangkauan", fmtNum(reach.reached || 0) + "/" + fmtNum(reach.total || 40), "kecamatan terjangkau", (reach.total || 40) - (reach.reached || 0) + " belum ada pendaftar"],
      ["hadir", fmtNum(attendedN), "sesi dihadiri", "tidak hadir: " + pct(ses.no_show_rate)],
      ["tunggu", wait.median === null || wait.median === undefined ? "—" : fmtNum(wait.median) + " hari", "median waktu tunggu",
        "90% ≤ " + (wait.p90 === null || wait.p90 === undefined ? "—" : fmtNum(wait.p90) + " hari")],
      ["slot", pct(util.rate), "slot terpakai", fmtNum(util.taken || 0) + " dari " + fmtNum(util.offered || 0) + " kursi"],
      ["puas", all.avg_satisfaction === null || all.avg_satisfaction === undefined ? "—" : fmtNum(all.avg_satisfaction, 1) + "/5", "kepuasan rata-rata",
        "NPS " + (all.nps === null || all.nps === undefined ? "—" : (all.nps > 0 ? "+" : "") + fmtNum(all.nps)) + " · " + fmtNum(all.count || 0) + " umpan balik"]
    ];
    box.appendChild(el("div", { className: "tiles" }, tiles.map(function (t) {
      return el("div", { className: "tile", "data-tile": t[0] }, [el("p", { className: "big", text: t[1] }), el("p", { className: "what", text: t[2] }),
        t[3] ? el("p", { className: "minor", text: t[3] }) : null]);
    })));

    var grid = el("div", { className: "charts" });
    box.appendChild(grid);

    // Registrations per week, stacked by service
    var svcs = Object.keys(meta.services || SHORT_SERVICE);
    var perWeek = reg.per_week || [];
    chartCard(grid, "Pendaftar per minggu", fmtNum(reg.total || 0) + " pendaftar dalam " + perWeek.length + " minggu, menurut layanan.",
      function (w0) { return columns(perWeek.map(function (w) {
        return { key: w.week, label: w.week, tick: validDay(w.start) ? +w.start.slice(8) + "/" + +w.start.slice(5, 7) : String(w.week).slice(-3),
          parts: svcs.map(function (sv) { return { value: (w.by_service || {})[sv] || 0, cls: "c-" + sv }; }) };
      }), { width: w0 }); },
      svcs.map(function (sv) { return ["c-" + sv, SHORT_SERVICE[sv] || label(meta.services, sv)]; }),
      numbersTable(["Minggu"].concat(svcs.map(function (sv) { return SHORT_SERVICE[sv] || sv; })).concat(["Jumlah", "Sesi", "Hadir", "Tidak hadir"]),
        perWeek.map(function (w) {
          return [w.week + (validDay(w.start) ? " (" + fmtRange(w.start, w.end) + ")" : "")].concat(svcs.map(function (sv) { return fmtNum((w.by_service || {})[sv] || 0); }))
            .concat([fmtNum(w.total), fmtNum(w.sessions), fmtNum(w.attended), fmtNum(w.no_show)]);
        })), "wide");

    // Funnel
    var steps = [["registered", "Mendaftar"], ["scheduled", "Dijadwalkan"], ["attended", "Hadir"], ["feedback", "Memberi umpan balik"]];
    var base = fun.registered || 0;
    chartCard(grid, "Dari mendaftar sampai umpan balik", "Dari " + fmtNum(base) + " pendaftar: " + share(fun.attended || 0, base) + " hadir, " +
      share(fun.feedback || 0, base) + " memberi umpan balik.",
      function (w0) { return barList(steps.map(function (s, i) {
        var v = fun[s[0]] || 0;
        return { key: s[0], label: s[1], value: v, barCls: "c-f" + i, valueText: fmtNum(v) + (i ? " (" + share(v, base) + ")" : "") };
      }), { valueW: 70, max: Math.max(base, 1), width: w0 }); }, null,
      numbersTable(["Tahap", "Orang", "Dari pendaftar"], steps.map(function (s) { return [s[1], fmtNum(fun[s[0]] || 0), share(fun[s[0]] || 0, base)]; })
        .concat([["Dibatalkan", fmtNum(fun.cancelled || 0), share(fun.cancelled || 0, base)], ["Tanggal kedaluwarsa", fmtNum(fun.expired_events || 0), share(fun.expired_events || 0, base)]])));

    // Attendance and no-show
    chartCard(grid, "Kehadiran", attendedN + noShowN ? "Tingkat tidak hadir " + pct(ses.no_show_rate) + " (" + fmtNum(noShowN) + " dari " + fmtNum(attendedN + noShowN) + " sesi yang dicatat)." :
      "Belum ada sesi yang dicatat kehadirannya pada rentang ini.",
      function (w0) { return barList([
        { key: "hadir", label: "Sesi yang dicatat kehadirannya", parts: [{ value: attendedN, cls: "c-att" }, { value: noShowN, cls: "c-noshow" }],
          valueText: fmtNum(attendedN + noShowN) },
        { key: "batal", label: "Sesi dibatalkan", parts: [{ value: ses.cancelled_by_visitor || 0, cls: "c-cv" }, { value: ses.cancelled_by_office || 0, cls: "c-co" }],
          valueText: fmtNum((ses.cancelled_by_visitor || 0) + (ses.cancelled_by_office || 0)) }
      ], { max: Math.max(attendedN + noShowN, (ses.cancelled_by_visitor || 0) + (ses.cancelled_by_office || 0), 1), width: w0 }); },
      [["c-att", "Hadir"], ["c-noshow", "Tidak hadir"], ["c-cv", "Dibatalkan pengunjung"], ["c-co", "Dibatalkan kantor"]],
      numbersTable(["", "Jumlah"], [["Hadir", fmtNum(attendedN)], ["Tidak hadir", fmtNum(noShowN)], ["Tingkat tidak hadir", pct(ses.no_show_rate)],
        ["Dibatalkan pengunjung", fmtNum(ses.cancelled_by_visitor || 0)], ["Dibatalkan kantor", fmtNum(ses.cancelled_by_office || 0)],
        ["Kursi terpakai", fmtNum(ses.held_seats || 0)]]));

    // Waiting time and utilisation
    var hist = wait.histogram || [];
    var waitFig = chartCard(grid, "Waktu tunggu dan pemakaian slot",
      wait.count ? "Separuh pendaftar mendapat sesi dalam " + fmtNum(wait.median) + " hari, 90% dalam " + fmtNum(wait.p90) + " hari (" + fmtNum(wait.count) + " sesi)." :
        "Belum ada sesi pada rentang ini.",
      hist.length ? function (w0) { return columns(hist.map(function (h) { return { key: h.days, label: h.days, tick: String(h.days), parts: [{ value: h.count, cls: "c1" }] }; }), { height: 150, width: w0 }); } : null,
      null, numbersTable(["Hari menunggu", "Sesi"], hist.map(function (h) { return [String(h.days).indexOf("+") > 0 ? wait.over_limit_label || h.days : h.days + " hari", fmtNum(h.count)]; })));
    if (hist.length) waitFig.querySelector(".plot").appendChild(el("p", { className: "axis-note", text: "Jumlah sesi menurut lama menunggu (hari) sejak mendaftar." }));
    waitFig.insertBefore(el("div", { className: "plot" }, [barList([{ key: "slot", label: "Slot terpakai: " + fmtNum(util.taken || 0) + " dari " + fmtNum(util.offered || 0),
      parts: [{ value: util.taken || 0, cls: "c0" }, { value: Math.max((util.offered || 0) - (util.taken || 0), 0), cls: "c-free" }], valueText: pct(util.rate) }],
      { max: Math.max(util.offered || 0, util.taken || 0, 1), width: plotWidth(waitFig) - 32 })]), waitFig.querySelector("details.numbers"));
    var slotSvg = waitFig.querySelectorAll(".plot svg")[waitFig.querySelectorAll(".plot svg").length - 1];
    slotSvg.setAttribute("role", "img");
    slotSvg.setAttribute("aria-label", "Pemakaian slot " + pct(util.rate));

    // By topic, source, campaign
    function countRows(list) { return (list || []).slice().sort(function (a, b) { return b.count - a.count; }).map(function (x) { return { key: x.key || x.code, label: x.label || x.name || x.code, value: x.count }; }); }
    var topics = countRows(reg.by_topic);
    chartCard(grid, "Topik yang ditanyakan", topics.length && topics[0].value ? "Paling banyak: " + topics[0].label + " (" + fmtNum(topics[0].value) + ")." : "Belum ada pendaftar.",
      function (w0) { return barList(topics, { width: w0 }); }, null, numbersTable(["Topik", "Pendaftar"], topics.map(function (r) { return [r.label, fmtNum(r.value)]; })));
    var sources = countRows(reg.by_source);
    chartCard(grid, "Tahu layanan dari", sources.length && sources[0].value ? "Saluran terbesar: " + sources[0].label + " (" + share(sources[0].value, reg.total) + ")." : "Belum ada pendaftar.",
      function (w0) { return barList(sources.map(function (r) { r.barCls = "c1"; return r; }), { width: w0 }); }, null, numbersTable(["Sumber", "Pendaftar"], sources.map(function (r) { return [r.label, fmtNum(r.value)]; })));

    // Reach: all 40 kecamatan, sorted, the ones with nobody marked as the gap
    var kec = (reach.kecamatan || []).slice().sort(function (a, b) { return b.count - a.count || String(a.name).localeCompare(String(b.name), "id"); });
    var gaps = kec.filter(function (k) { return !k.count; });
    var reachFig = chartCard(grid, "Jangkauan per kecamatan", fmtNum(reach.reached || 0) + " dari " + fmtNum(reach.total || kec.length) + " kecamatan punya pendaftar; " +
      gaps.length + " belum (ditandai kuning).",
      function (w0) { return barList(kec.map(function (k) { return { key: k.name, label: k.name, value: k.count, barCls: "c0", cls: k.count ? "" : "gap-row" }; }),
        { labelW: 104, markZero: true, zeroText: "0 · belum ada", width: Math.min(w0, 560) }); },
      null, numbersTable(["Kecamatan", "Pendaftar"], kec.map(function (k) { return [k.name, fmtNum(k.count)]; })), "tall");
    if (gaps.length) reachFig.insertBefore(el("p", { className: "gap-list" }, [el("strong", { text: "Belum terjangkau: " }), gaps.map(function (k) { return k.name; }).join(", ") + "."]),
      reachFig.querySelector(".plot"));

    // Campaigns: social-media interaction beside the registrations each brought
    var camps = d.campaigns || [];
    var maxI = Math.max.apply(null, camps.map(function (c) { var i = c.interaction || {}; return (i.likes || 0) + (i.comments || 0) + (i.questions || 0); }).concat([1]));
    var maxR = Math.max.apply(null, camps.map(function (c) { return c.registrations || 0; }).concat([1]));
    var campBox = chartCard(grid, "Kampanye: interaksi dan pendaftar", camps.length ? "Interaksi unggahan (suka, komentar, pertanyaan) di samping pendaftar yang datang lewat tautan kampanye pada rentang ini." :
      "Belum ada kampanye. Buat di bagian Kampanye.", null,
      camps.length ? [["c-like", "Suka"], ["c-comment", "Komentar"], ["c-question", "Pertanyaan"], ["c-reg", "Pendaftar"]] : null,
      numbersTable(["Kampanye", "Suka", "Komentar", "Pertanyaan", "Pendaftar (rentang)", "Pendaftar (semua)"], camps.map(function (c) {
        var i = c.interaction || {};
        return [(c.name || "Tanpa kampanye terdaftar") + " (" + c.code + ")", fmtNum(i.likes || 0), fmtNum(i.comments || 0), fmtNum(i.questions || 0), fmtNum(c.registrations || 0), fmtNum(c.registrations_all_time || 0)];
      })), "wide");
    if (camps.length) {
      var rows = [];
      camps.forEach(function (c) {
        var i = c.interaction || {};
        var inter = (i.likes || 0) + (i.comments || 0) + (i.questions || 0);
        rows.push({ key: c.code + ":i", label: c.name ? c.name + " · " + c.code : c.code + " (kode tanpa kampanye terdaftar)", parts: [{ value: (i.likes || 0) / maxI, cls: "c-like" },
          { value: (i.comments || 0) / maxI, cls: "c-comment" }, { value: (i.questions || 0) / maxI, cls: "c-question" }], valueText: fmtNum(inter) + " interaksi" });
        rows.push({ key: c.code + ":r", label: "", parts: [{ value: (c.registrations || 0) / maxR, cls: "c-reg" }], valueText: fmtNum(c.registrations || 0) + " pendaftar" });
      });
      var plot = el("div", { className: "plot" }, [barList(rows, { max: 1, valueW: 92, width: plotWidth(campBox) - 32 })]);
      plot.firstChild.setAttribute("role", "img");
      plot.firstChild.setAttribute("aria-labelledby", campBox.querySelector("h2").id);
      campBox.insertBefore(plot, campBox.querySelector(".legend-list"));
    }

    // Feedback per consultant and per topic
    function fbRows(list) {
      return (list || []).map(function (r) {
        var yes = (r.answered_share || {}).ya;
        return { key: r.id || r.key, label: (r.name || r.label) + " (" + fmtNum(r.count) + ")", value: r.avg_satisfaction || 0,
          valueText: r.avg_satisfaction === null || r.avg_satisfaction === undefined ? "—" : fmtNum(r.avg_satisfaction, 1) + "/5",
          sub: "NPS " + (r.nps === null || r.nps === undefined ? "—" : (r.nps > 0 ? "+" : "") + fmtNum(r.nps)) + " · masalah terjawab " + pct(yes) +
            " · sebagian " + pct((r.answered_share || {}).sebagian) };
      });
    }
    function fbTable(list, first) {
      return numbersTable([first, "Jawaban", "Kepuasan (1–5)", "Kebermanfaatan (1–5)", "NPS", "Terjawab", "Sebagian", "Tidak"], (list || []).map(function (r) {
        var a = r.answered_share || {};
        return [r.name || r.label, fmtNum(r.count), fmtNum(r.avg_satisfaction, 1), fmtNum(r.avg_helpfulness, 1), r.nps === null || r.nps === undefined ? "—" : fmtNum(r.nps), pct(a.ya), pct(a.sebagian), pct(a.tidak)];
      }));
    }
    var perCon = fb.per_consultant || [], perTop = fb.per_topic || [];
    chartCard(grid, "Umpan balik per konsultan", perCon.length ? "Kepuasan rata-rata (skala 1–5), NPS dan bagian masalah yang terjawab; angka dalam kurung: jumlah umpan balik." : "Belum ada umpan balik pada rentang ini.",
      perCon.length ? function (w0) { return barList(fbRows(perCon), { max: 5, valueW: 40, width: w0 }); } : null, null, perCon.length ? fbTable(perCon, "Konsultan") : null);
    chartCard(grid, "Umpan balik per topik", perTop.length ? "Topik dengan kepuasan rendah perlu narasumber atau materi tambahan." : "Belum ada umpan balik pada rentang ini.",
      perTop.length ? function (w0) { return barList(fbRows(perTop), { max: 5, valueW: 40, width: w0 }); } : null, null, perTop.length ? fbTable(perTop, "Topik") : null);

    // Latest comments, as text
    var comments = fb.latest_comments || [];
    var cBox = chartCard(grid, "Komentar terbaru: apa yang perlu diperbaiki", comments.length ? null : "Belum ada komentar pada rentang ini.", null, null, null, "wide");
    if (comments.length) {
      cBox.appendChild(el("ul", { className: "comments" }, comments.map(function (c) {
        return el("li", null, [el("blockquote", null, [el("p", { className: "long", text: c.text })]),
          el("p", { className: "minor", text: fmtInstant(c.at) + " · " + text(c.consultant_name) + " · " + (SHORT_SERVICE[c.service] || label(meta.services, c.service)) +
            " · kepuasan " + fmtNum(c.satisfaction) + "/5 · rekomendasi " + fmtNum(c.recommend) + "/10 · terjawab: " + ({ ya: "ya", sebagian: "sebagian", tidak: "tidak" }[c.answered] || text(c.answered)) })]);
      })));
    }

    // WhatsApp broadcasts, when the API gives them
    var bc = d.broadcasts || [];
    if (bc.length) {
      chartCard(grid, "Siaran WhatsApp", "Pesan terkirim, sampai, dan pendaftar yang menyusul.", null, null,
        numbersTable(["Siaran", "Penerima", "Sampai", "Pendaftar menyusul"], bc.map(function (b) {
          return [text(b.name || b.id), fmtNum(b.recipients || b.total || 0), fmtNum(b.delivered || 0), fmtNum(b.registrations || 0)];
        })), "wide").querySelector("details").open = true;
    }
  }

  // Monthly report: a file the API sends only with the token, so fetch it and hand it over.
  function apiFile(path, accept) {
    var s = session();
    if (!s) { backToSignIn(MSG_EXPIRED); return Promise.reject(STOP); }
    return fetch(API + path, { cache: "no-store", headers: { Authorization: "Bearer " + s.token, Accept: accept } }).then(function (r) {
      if (r.status === 401) { backToSignIn(MSG_EXPIRED); throw STOP; }
      if (!r.ok) return r.json().catch(function () { return {}; }).then(function (b) { return { ok: false, status: r.status, body: b || {} }; });
      var cd = r.headers.get("Content-Disposition") || "", m = /filename="([^"]+)"/.exec(cd);
      return r.blob().then(function (blob) { return { ok: true, status: r.status, blob: blob, filename: m ? m[1] : null }; });
    }, function () { return { ok: false, status: 0, body: { errors: { _form: MSG_OFFLINE } } }; });
  }
  function saveFile(blob, filename) {
    var url = URL.createObjectURL(blob);
    var a = el("a", { href: url, download: filename, className: "sr" });
    document.body.appendChild(a);
    a.click();
    a.parentNode.removeChild(a);
    setTimeout(function () { URL.revokeObjectURL(url); }, 30000);
  }
  function downloadReport(kind) {
    var form = $("e-r-form"), month = $("e-r-month").value;
    if (!/^\d{4}-\d{2}$/.test(month)) return showErrors(form, "e-r", { month: "Pilih bulan." });
    clearErrors(form, "e-r");
    setStatus("e-r-status", "Menyiapkan laporan…");
    var type = kind === "xlsx" ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" : "text/csv";
    apiFile("/staff/reports/" + month + "." + kind, type).then(function (res) {
      if (!res.ok) { setStatus("e-r-status", ""); return showErrors(form, "e-r", (res.body && res.body.errors) || { _form: problem(res) }); }
      var name = res.filename || "laporan-clean-and-clear-" + month + "." + kind;
      saveFile(res.blob, name);
      setStatus("e-r-status", "Laporan " + name + " diunduh.");
    }).catch(ignoreStop);
  }
  $("e-r-form").addEventListener("submit", function (e) { e.preventDefault(); downloadReport("xlsx"); });
  $("e-r-csv").addEventListener("click", function () { downloadReport("csv"); });

  // ---------------------------------------------------------------- 9. Kampanye
  var campaigns = [];
  loaders.kampanye = function () {
    fillSelect($("c-channel"), pairs(meta.sources), "— pilih saluran —");
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
    var tbl = el("table", { className: "list stack posts-table" }, [el("caption", { className: "sr", text: "Unggahan kampanye " + c.name }),
      el("thead", null, [el("tr", null, ["Unggahan", "Suka", "Komentar", "Pertanyaan", ""].map(function (h) { return el("th", { scope: "col", text: h }); }))])]);
    var tb = el("tbody");
    (c.posts || []).forEach(function (p) { tb.appendChild(postRow(c, p, code)); });
    if (!(c.posts || []).length) emptyRow(tb, 5, "Belum ada unggahan. Tambahkan unggahan lalu isi jumlah suka, komentar dan pertanyaannya.");
    tbl.appendChild(tb);
    wrap.appendChild(tbl);
    wrap.appendChild(postForm(c, code, null));
    return wrap;
  }
  function postRow(c, p, code) {
    var where = el("span", null, [el("strong", { text: p.platform_label || label(meta.sources, p.platform) }),
      p.posted_on ? el("span", { className: "minor", text: fmtDay(p.posted_on) }) : null,
      safeHttpUrl(p.url) ? el("span", { className: "minor" }, [el("a", { href: safeHttpUrl(p.url), target: "_blank", rel: "noopener noreferrer", text: "Buka unggahan" })]) : null]);
    var tr = el("tr", { "data-post": p.id }, [cell("Unggahan", where), cell("Suka", fmtNum(p.likes)), cell("Komentar", fmtNum(p.comments)), cell("Pertanyaan", fmtNum(p.questions))]);
    var edit = smallButton("Ubah angka", "secondary", function () {
      var f = postForm(c, code, p);
      tr.parentNode.insertBefore(el("tr", { className: "edit" }, [el("td", { colspan: 5 }, [f])]), tr.nextSibling);
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
    tr.appendChild(cell("", el("span", { className: "btns" }, [edit, del]), "act"));
    return tr;
  }
  function safeHttpUrl(u) { return typeof u === "string" && /^https?:\/\/[^\s"'<>]+$/.test(u) ? u : null; }
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

  // ---------------------------------------------------------------- 10. Siaran WhatsApp
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

  // ---------------------------------------------------------------- 7. Log audit
  loaders.audit = function (arg, changed) {
    if (!$("a-day").value) $("a-day").value = todayWIB();
    if (changed) showAudit();
  };
  function showAudit() {
    var form = $("a-form"), day = $("a-day").value;
    if (!validDay(day)) return showErrors(form, "a", { day: "Isi tanggal." });
    clearErrors(form, "a");
    setStatus("a-status", "Memuat…");
    api("GET", "/staff/audit" + qs({ day: day })).then(function (res) {
      if (!res.ok) { setStatus("a-status", ""); return showErrors(form, "a", (res.body && res.body.errors) || { _form: problem(res) }); }
      var items = (res.body.items || []).slice().sort(function (a, b) { return String(b.at).localeCompare(String(a.at)); });
      var tbody = clear($("a-isi"));
      setStatus("a-status", items.length + " catatan pada " + fmtDay(day, true) + ".");
      if (!items.length) emptyRow(tbody, 5, "Tidak ada perubahan pada tanggal ini.");
      items.forEach(function (x) {
        var details = x.details && Object.keys(x.details).length ? el("code", { text: JSON.stringify(x.details) }) : "—";
        tbody.appendChild(el("tr", null, [cell("Waktu", fmtClock(x.at), "nowrap"), cell("Pelaku", x.actor), cell("Tindakan", x.action),
          cell("Sasaran", x.target, "nowrap"), cell("Rincian", details, "details")]));
      });
    }).catch(ignoreStop);
  }
  $("a-form").addEventListener("submit", function (e) { e.preventDefault(); showAudit(); });

  // ---------------------------------------------------------------- Jadwal saya
  var mine = { from: null, request: 0 };
  loaders.saya = function () {
    $("y-name").textContent = text(me.consultant_name);
    $("y-email").textContent = text(me.email);
    if (!mine.from) mine.from = currentWeek();
    loadMine();
  };
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
      var active = items.filter(function (s) { return !isCancelled(s); });
      setStatus("y-status", items.length ? active.length + " sesi pada " + fmtRange(from, to) + (active.length ? " (" + statusSummary(active) + ")" : "") +
        (items.length > active.length ? "; " + (items.length - active.length) + " dibatalkan." : ".") :
        "Belum ada sesi pada " + fmtRange(from, to) + ". Sesi muncul di sini setelah pendaftar dijadwalkan.");
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
  function myCard(s) {
    var id = s.id.replace(/[^A-Za-z0-9_-]/g, "");
    var card = el("article", { className: "card mysess st-" + s.status, "data-id": s.id, "aria-labelledby": "y-h-" + id });
    function fill() {
      var url = s.meeting ? safeUrl(s.meeting.join_url) : null;
      card.appendChild(el("div", { className: "ghead" }, [el("h3", { id: "y-h-" + id, text: sessionTime(s) + " WIB" }), statusBadge(s)]));
      card.appendChild(el("p", { className: "who" }, [el("strong", { text: text(s.name) }), s.org_name ? el("span", { className: "minor", text: s.org_name }) : null]));
      var facts = el("dl", { className: "info compact" });
      [["Layanan", label(meta.services, s.service)], ["Tempat", sessionPlace(s)], ["Topik", listLabels(meta.topics, s.topics)], ["Kode", s.reference]].forEach(function (f) {
        facts.appendChild(el("dt", { text: f[0] })); facts.appendChild(el("dd", { text: text(f[1]) }));
      });
      if (s.meeting) {
        facts.appendChild(el("dt", { text: "Zoom" }));
        facts.appendChild(el("dd", null, [url ? el("a", { href: url, target: "_blank", rel: "noopener noreferrer", text: "Buka rapat Zoom" }) : (s.meeting.state_label || "Tautan sedang dibuat")]));
      }
      card.appendChild(facts);
      if (s.description) card.appendChild(el("div", { className: "desc" }, [el("p", { className: "lbl", text: "Masalah yang ditulis pendaftar" }), el("p", { className: "long", "data-field": "description", text: s.description })]));
      if (isCancelled(s)) return;
      var err = el("p", { className: "err-box", id: "y-err-" + id, role: "alert", hidden: true });
      var done = el("p", { className: "status att-status", role: "status" });
      var grp = el("div", { className: "actions", role: "group", "aria-label": "Kehadiran " + text(s.name) });
      [["hadir", "Hadir", ""], ["tidak_hadir", "Tidak hadir", "secondary"]].forEach(function (a) {
        var b = el("button", { type: "button", className: "small " + a[2], text: a[1], "aria-pressed": String(s.status === a[0]), "data-status": a[0] });
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
            Array.prototype.forEach.call(grp.querySelectorAll("button"), function (x) { x.setAttribute("aria-pressed", String(x.getAttribute("data-status") === s.status)); });
            done.textContent = "Kehadiran dicatat: " + sessionLabel(s) + ".";
          }).catch(function (e) { b.disabled = false; ignoreStop(e); });
        });
        grp.appendChild(b);
      });
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
      form.elements.problem.disabled = form.elements.advice.disabled = true;
      api("GET", "/staff/sessions/" + encodeURIComponent(s.id) + "/notes").then(function (res) {
        form.elements.problem.disabled = form.elements.advice.disabled = false;
        if (!res.ok) { loaded = false; return setStatus(p + "-status", problem(res)); }
        var n = res.body;
        form.elements.problem.value = n.problem || "";
        form.elements.advice.value = n.advice || "";
        form.elements.follow_up.checked = !!n.follow_up;
        form.elements.referral.value = n.referral || "";
        setStatus(p + "-status", n.updated_at ? "Terakhir disimpan " + fmtInstant(n.updated_at) + "." : "Belum ada catatan. Hanya Anda dan koordinator yang dapat membacanya.");
      }).catch(ignoreStop);
    });
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
  function moveMine(n) { mine.from = n === 0 ? currentWeek() : addDays(mine.from, 7 * n); loadMine(); }
  $("y-prev").addEventListener("click", function () { moveMine(-1); });
  $("y-next").addEventListener("click", function () { moveMine(1); });
  $("y-now").addEventListener("click", function () { moveMine(0); });

  // ---------------------------------------------------------------- boot
  fetch("config.json", { cache: "no-store" }).then(function (r) { return r.json(); }).catch(function () { return { auth: "local" }; })
    .then(function (c) {
      config = c && (c.auth === "cognito" || c.auth === "local") ? c : { auth: "local" };
      return config.auth === "cognito" ? finishCognito() : false;
    })
    .then(function (justSignedIn) {
      if (session()) return start(justSignedIn === true);
      showSignIn();
    });
})();
