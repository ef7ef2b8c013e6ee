/* Hari tutup: public holidays and the office's own closures. */
import { $, cell, clear, el, emptyRow, label, setStatus, smallButton } from "./dom.js";
import { SHORT_SERVICE, fmtDay, todayWIB, validDay } from "./format.js";
import { api, ignoreStop, problem, qs } from "./api.js";
import { showErrors, submit } from "./forms.js";
import { loaders, meta } from "./state.js";

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
