/* Ruang: the rooms that hold face-to-face sessions. */
import { $, cell, clear, el, emptyRow, setStatus, smallButton } from "./dom.js";
import { ignoreStop, problem } from "./api.js";
import { clearErrors, submit } from "./forms.js";
import { loadRooms, loaders, rooms } from "./state.js";

var editingRoom = null;
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
