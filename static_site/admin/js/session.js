/* The staff token in sessionStorage (this tab only), and going back to sign-in. */


export var TOKEN_KEY = "cc-admin-token";
export var FLASH_KEY = "cc-admin-flash";
export var PKCE_KEY = "cc-admin-pkce";
export var MSG_EXPIRED = "Sesi berakhir, silakan masuk lagi.";
export var MSG_FORBIDDEN = "Anda tidak punya akses ke bagian ini.";
export var MSG_OFFLINE = "Koneksi terputus. Periksa jaringan lalu coba lagi.";
export function session() {
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
export function keepToken(token, expiresIn) {
  var exp = expiresIn ? Date.now() + expiresIn * 1000 : jwtExp(token);
  sessionStorage.setItem(TOKEN_KEY, JSON.stringify({ token: token, exp: exp }));
}
/** Back to the sign-in form with a message; a reload drops every piece of data from memory. */
export function backToSignIn(message) {
  sessionStorage.removeItem(TOKEN_KEY);
  if (message) sessionStorage.setItem(FLASH_KEY, message);
  location.reload();
}

export var STOP = { stop: true }; // rejection value after a 401: the page is reloading, do nothing more
