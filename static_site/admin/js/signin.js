/* Sign-in: the local issuer's form (make run), or Cognito's hosted UI (authorization code + PKCE). */
import { $ } from "./dom.js";
import { clearErrors, showErrors } from "./forms.js";
import { API, qs } from "./api.js";
import { FLASH_KEY, MSG_OFFLINE, PKCE_KEY, TOKEN_KEY, keepToken } from "./session.js";
import { config } from "./state.js";

var signedIn = function () {};
/** What to do once a staff member signed in with the local form. */
export function whenSignedIn(fn) { signedIn = fn; }
export function showSignIn() {
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
      return signedIn(true);
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
export function finishCognito() {
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
