/* The visitor's private status page: reference and token travel in the URL fragment,
   which browsers never send to a server or a log. */
(function () {
  "use strict";
  function $(id) { return document.getElementById(id); }
  var params = new URLSearchParams(location.hash.slice(1));
  var ref = params.get("ref"), token = params.get("t");
  function fail(msg) { $("memuat").hidden = true; var g = $("gagal"); g.textContent = msg; g.hidden = false; }
  if (!ref || !token) { fail("Tautan tidak lengkap. Buka kembali tautan dari halaman pendaftaran atau pesan WhatsApp Anda."); return; }
  fetch("/api/registrations/" + encodeURIComponent(ref), { headers: { "X-Registration-Token": token } })
    .then(function (r) { return r.json().then(function (b) { return { ok: r.ok, body: b }; }); })
    .then(function (res) {
      if (!res.ok) { fail((res.body.errors && res.body.errors._form) || "Pendaftaran tidak ditemukan."); return; }
      var b = res.body;
      $("memuat").hidden = true; $("isi").hidden = false;
      $("ref").textContent = b.reference;
      $("status").textContent = b.status_label;
      $("name").textContent = b.name;
      $("service").textContent = b.service_label;
      $("org").textContent = b.org_name;
      $("mode").textContent = b.mode_label;
      $("days").textContent = b.days.map(function (d) {
        return new Date(d + "T00:00:00").toLocaleDateString("id-ID", { weekday: "long", day: "numeric", month: "long", year: "numeric" });
      }).join("; ");
      $("topics").textContent = b.topics.join(", ");
    })
    .catch(function () { fail("Koneksi terputus. Muat ulang halaman ini."); });
})();
