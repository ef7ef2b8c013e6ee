/* Clean & Clear staff page: sign-in, roles, the menu and the route to each section. Native ES
   modules, no framework, no bundler; CSP-safe (no inline code, no eval). */
import { $, checkGroup, fillSelect, pairs } from "./dom.js";
import { ROLE_LABEL, SHORT_SERVICE, todayWIB } from "./format.js";
import { api, ignoreStop, problem } from "./api.js";
import { MSG_EXPIRED, backToSignIn, session } from "./session.js";
import { finishCognito, showSignIn, whenSignedIn } from "./signin.js";
import { can, config, currentView, loaders, me, meta, roles, setConfig, setCurrentView, setMe } from "./state.js";
import "./konsultan.js";
import "./ruang.js";
import "./piket.js";
import "./tutup.js";
import "./slot.js";
import "./sesi.js";
import "./loket.js";
import "./pendaftaran.js";
import "./kotak.js";
import "./evaluasi.js";
import "./skm.js";
import "./kampanye.js";
import "./siaran.js";
import "./hakdata.js";
import "./audit.js";
import "./saya.js";

function start(justSignedIn) {
  $("memuat").hidden = false;
  return api("GET", "/staff/me").then(function (res) {
    if (res.status === 403 && !justSignedIn) return backToSignIn(MSG_EXPIRED);
    if (res.status === 403) { $("memuat").hidden = true; return fatal("Akun ini belum punya akses ke halaman staf. Hubungi koordinator."); }
    if (!res.ok) { $("memuat").hidden = true; return fatal(problem(res)); }
    setMe(res.body);
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

function route() {
  var hash = location.hash;
  if (hash && hash.indexOf("#/") !== 0) return; // e.g. the skip link (#main)
  var parts = hash.slice(2).split("/");
  var name = parts[0], arg = parts[1] ? decodeURIComponent(parts[1]) : null;
  var section = name && $("sec-" + name);
  if (!section) {
    // An admin starts on today's sessions; a consultant on their own schedule.
    var start = document.querySelector('#menu a[href="#/sesi"]') || document.querySelector('#menu a[href="#/saya"]') ||
      document.querySelector("#menu a");
    history.replaceState(null, "", start.getAttribute("href"));
    return route();
  }
  Array.prototype.forEach.call(document.querySelectorAll(".view"), function (v) { v.hidden = v !== section; });
  Array.prototype.forEach.call(document.querySelectorAll("#menu a"), function (a) {
    if (a.getAttribute("href") === "#/" + name) { a.setAttribute("aria-current", "page"); $("menu-toggle").textContent = "Menu: " + a.textContent; } else a.removeAttribute("aria-current");
  });
  openMenu(false);
  var changed = currentView !== name;
  setCurrentView(name);
  document.title = section.querySelector("h1").textContent + " — Clean & Clear staf";
  if (loaders[name]) loaders[name](arg, changed);
  if (changed && !arg) section.querySelector("h1").focus();
}
$("skip").addEventListener("click", function (e) { e.preventDefault(); $("main").focus(); });
/** On a phone the menu is one button naming the section; it opens the sections as a grid. */
function openMenu(open) {
  $("menu").classList.toggle("open", open);
  $("menu-toggle").setAttribute("aria-expanded", open ? "true" : "false");
}
$("menu-toggle").addEventListener("click", function () { openMenu(!$("menu").classList.contains("open")); });
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
fetch("config.json", { cache: "no-store" }).then(function (r) { return r.json(); }).catch(function () { return { auth: "local" }; })
  .then(function (c) {
    setConfig(c && (c.auth === "cognito" || c.auth === "local") ? c : { auth: "local" });
    return config.auth === "cognito" ? finishCognito() : false;
  })
  .then(function (justSignedIn) {
    if (session()) return start(justSignedIn === true);
    showSignIn();
  });
whenSignedIn(start);
