/* Konsultan: the team, each consultant's services, topics, modes and staff account. */
import { $, cell, checkedValues, clear, el, emptyRow, listLabels, setChecked, setStatus, smallButton } from "./dom.js";
import { SHORT_MODE, SHORT_SERVICE, fmtPhone } from "./format.js";
import { ignoreStop, problem } from "./api.js";
import { clearErrors, submit } from "./forms.js";
import { consultants, loadConsultants, loaders, meta } from "./state.js";

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
      el("span", { className: "minor", text: [fmtPhone(c.whatsapp), c.email].filter(Boolean).join(" · ") }),
      c.staff_email ? el("span", { className: "minor", text: "Akun staf: " + c.staff_email }) : null,
      c.zoom_user ? el("span", { className: "minor", text: "Zoom: " + c.zoom_user }) : null]);
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
  form.elements.zoom_user.value = c ? c.zoom_user || "" : "";
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
    active: $("k-active").checked, staff_email: form.elements.staff_email.value.trim() || null,
    zoom_user: form.elements.zoom_user.value.trim() || null
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
