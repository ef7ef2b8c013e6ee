/* Log audit: who changed what on a day. */
import { $, cell, clear, el, emptyRow, setStatus } from "./dom.js";
import { fmtClock, fmtDay, todayWIB, validDay } from "./format.js";
import { api, ignoreStop, problem, qs } from "./api.js";
import { clearErrors, showErrors } from "./forms.js";
import { loaders } from "./state.js";

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
    if (!items.length) emptyRow(tbody, 3, "Tidak ada perubahan pada tanggal ini.");
    items.forEach(function (x) {
      // A sentence with names; the raw entry (action code, target, details) folded away.
      var raw = el("details", { className: "raw" }, [el("summary", { text: "Rincian teknis" }),
        el("code", { text: x.action + " · " + x.target + (x.details && Object.keys(x.details).length ? " · " + JSON.stringify(x.details) : "") })]);
      tbody.appendChild(el("tr", null, [cell("Waktu", x.when || fmtClock(x.at), "nowrap"),
        cell("Perubahan", el("span", null, [el("span", { className: "sentence", text: x.sentence || (x.actor + " " + x.action) }), raw]))]));
    });
  }).catch(ignoreStop);
}
$("a-form").addEventListener("submit", function (e) { e.preventDefault(); showAudit(); });
