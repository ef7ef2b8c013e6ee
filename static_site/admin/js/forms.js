/* Forms: field errors next to their fields (slots #<prefix>-err-<field>), and writes. */
import { $ } from "./dom.js";
import { api, ignoreStop, problem } from "./api.js";
import { MSG_FORBIDDEN } from "./session.js";

/** Shows {field: message} next to the fields of a form whose error slots are #<prefix>-err-<field>. */
export function showErrors(form, prefix, errors) {
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
export function clearErrors(form, prefix) {
  Array.prototype.forEach.call(form.querySelectorAll(".err"), function (p) { p.textContent = ""; });
  Array.prototype.forEach.call(form.querySelectorAll("[aria-invalid]"), function (i) { i.removeAttribute("aria-invalid"); });
  var box = $(prefix + "-err-_form");
  if (box) { box.textContent = ""; box.hidden = true; }
}
export function formError(prefix, message) {
  var box = $(prefix + "-err-_form");
  box.textContent = message; box.hidden = false;
}
/** Runs a write: disables the button, shows field errors or calls done(body). */
export function submit(form, prefix, button, method, path, body, done) {
  clearErrors(form, prefix);
  button.disabled = true;
  return api(method, path, body).then(function (res) {
    button.disabled = false;
    if (res.ok) return done(res.body);
    if (res.status === 403) return formError(prefix, MSG_FORBIDDEN);
    showErrors(form, prefix, (res.body && res.body.errors) || { _form: problem(res) });
  }).catch(function (e) { button.disabled = false; ignoreStop(e); });
}
