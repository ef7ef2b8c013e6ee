/* Hak data: the period's data-protection requests, and acting for a visitor who lost their link. */
import { $, cell, clear, el, emptyRow, setStatus } from "./dom.js";
import { addDays, fmtRange, validDay } from "./format.js";
import { api, apiFile, ignoreStop, problem, qs, saveFile } from "./api.js";
import { clearErrors, showErrors } from "./forms.js";
import { loaders, today } from "./state.js";

loaders.data = function (arg, changed) {
  if (!$("d-to").value) { $("d-to").value = today(); $("d-from").value = addDays(today(), -30); }
  if (changed) showRequests();
};
function showRequests() {
  var form = $("d-form"), from = $("d-from").value, to = $("d-to").value, local = {};
  if (!validDay(from)) local.from = "Isi tanggal awal.";
  if (!validDay(to)) local.to = "Isi tanggal akhir.";
  if (Object.keys(local).length) return showErrors(form, "d", local);
  clearErrors(form, "d");
  setStatus("d-status", "Memuat…");
  api("GET", "/staff/data-requests" + qs({ from: from, to: to })).then(function (res) {
    if (!res.ok) { setStatus("d-status", ""); return showErrors(form, "d", (res.body && res.body.errors) || { _form: problem(res) }); }
    var items = res.body.items || [], tbody = clear($("d-isi")), n = res.body.counts || {};
    setStatus("d-status", fmtRange(from, to) + ": " + (n["Unduh data"] || 0) + " unduhan, " + (n["Hapus data"] || 0) + " penghapusan.");
    if (!items.length) emptyRow(tbody, 4, "Tidak ada permintaan pada rentang ini.");
    items.forEach(function (x) {
      tbody.appendChild(el("tr", { "data-action": x.action }, [cell("Waktu (WIB)", x.when, "nowrap"),
        cell("Permintaan", x.label + (x.format ? " (" + x.format.toUpperCase() + ")" : "")), cell("Kode", x.reference), cell("Oleh", x.by)]));
    });
  }).catch(ignoreStop);
}
$("d-form").addEventListener("submit", function (e) { e.preventDefault(); showRequests(); });

function who() { return { reference: $("d-bantu-reference").value.trim(), whatsapp: $("d-bantu-whatsapp").value.trim() }; }
function failed(res) { showErrors($("d-bantu"), "d-bantu", (res.body && res.body.errors) || { _form: problem(res) }); }
$("d-unduh").addEventListener("click", function () {
  clearErrors($("d-bantu"), "d-bantu"); $("d-hapus-confirm").hidden = true;
  setStatus("d-bantu-status", "Memeriksa…");
  apiFile("/staff/data-requests/download", "text/html", who()).then(function (res) {
    setStatus("d-bantu-status", "");
    if (!res.ok) return failed(res);
    saveFile(res.blob, res.filename || "data-pengunjung.html");
    setStatus("d-bantu-status", "Data pengunjung diunduh. Serahkan hanya kepada pengunjung itu sendiri.");
    showRequests();
  }).catch(ignoreStop);
});
$("d-hapus").addEventListener("click", function () { clearErrors($("d-bantu"), "d-bantu"); $("d-hapus-confirm").hidden = false; $("d-hapus-ya").focus(); });
$("d-hapus-tidak").addEventListener("click", function () { $("d-hapus-confirm").hidden = true; setStatus("d-bantu-status", "Tidak jadi dihapus."); });
$("d-hapus-ya").addEventListener("click", function () {
  var btn = $("d-hapus-ya"); btn.disabled = true;
  api("POST", "/staff/data-requests/delete", Object.assign(who(), { confirm: true })).then(function (res) {
    btn.disabled = false; $("d-hapus-confirm").hidden = true;
    if (!res.ok) return failed(res);
    setStatus("d-bantu-status", "Data pribadi pengunjung sudah dihapus.");
    $("d-bantu-reference").value = ""; $("d-bantu-whatsapp").value = "";
    showRequests();
  }).catch(function (e) { btn.disabled = false; ignoreStop(e); });
});
