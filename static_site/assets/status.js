/* The visitor's private status page: reference and token travel in the URL fragment,
   which browsers never send to a server or a log. */
(function () {
  "use strict";
  function $(id) { return document.getElementById(id); }
  var params = new URLSearchParams(location.hash.slice(1));
  var ref = params.get("ref"), token = params.get("t");
  var OPEN = { menunggu: 1, terjadwal: 1, kedaluwarsa: 1 };
  function fail(msg) { $("memuat").hidden = true; var g = $("gagal"); g.textContent = msg; g.hidden = false; }
  function longDate(iso) {
    return new Date(iso + "T00:00:00").toLocaleDateString("id-ID", { weekday: "long", day: "numeric", month: "long", year: "numeric" });
  }
  function api(path, method, payload) {
    var opts = { method: method || "GET", headers: { "X-Registration-Token": token } };
    if (payload) { opts.headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(payload); }
    return fetch("/api/registrations/" + encodeURIComponent(ref) + (path || ""), opts)
      .then(function (r) { return r.json().catch(function () { return {}; }).then(function (b) { return { ok: r.ok, status: r.status, body: b }; }); });
  }
  function say(msg) { var p = $("pesan"); p.textContent = msg; p.hidden = !msg; }

  function show(b) {
    $("memuat").hidden = true; $("isi").hidden = false;
    $("ref").textContent = b.reference;
    $("status").textContent = b.status_label;
    $("status").className = "badge st-" + b.status;  // each state its own colour
    current = b.days || []; choice = { service: b.service, mode: b.mode };
    $("name").textContent = b.name;
    $("service").textContent = b.service_label;
    $("org").textContent = b.org_name;
    $("mode").textContent = b.mode_label;
    $("days").textContent = b.days.map(longDate).join("; ");
    $("topics").textContent = b.topics.join(", ");
    var s = b.session;
    $("sesi").hidden = !s;
    $("umpan-balik").hidden = true;
    if (s) {
      var held = s.status !== "terjadwal";  // over: attended or recorded absent
      $("sesi-judul").textContent = held ? "Sesi Anda" : "Jadwal sesi Anda";
      $("sesi-waktu").textContent = longDate(s.date_wib) + ", pukul " + s.time_wib + "–" + s.end_wib + " WIB";
      $("sesi-tempat").textContent = s.mode === "tatap_muka" ? "Tatap muka di " + (s.room || "kantor Diskopukm") : (held ? "Daring" : "Daring lewat Zoom");
      var join = s.meeting && s.meeting.join_url;
      $("sesi-petunjuk").textContent = held
        ? (s.status === "hadir" ? "Sesi sudah berlangsung. Terima kasih telah hadir." : "Anda tercatat tidak hadir pada sesi ini.")
        : s.mode === "tatap_muka"
          ? "Datang 10 menit lebih awal dan tunjukkan kode pendaftaran Anda di meja layanan."
          : (join ? "" : "Tautan Zoom dikirim lewat WhatsApp sebelum sesi.");
      if (join && !held) {
        var a = document.createElement("a"); a.href = join; a.textContent = "Buka tautan Zoom"; a.rel = "noopener";
        $("sesi-petunjuk").textContent = ""; $("sesi-petunjuk").appendChild(a);
      }
      if (s.feedback_link) {
        $("umpan-balik-link").href = s.feedback_link; $("umpan-balik").hidden = false;
        $("umpan-balik-teks").textContent = "Bagaimana sesinya? Ceritakan lewat formulir singkat (±1 menit).";
        $("umpan-balik-link").hidden = false;
      } else if (s.feedback_given) {
        $("umpan-balik").hidden = false; $("umpan-balik-link").hidden = true;
        $("umpan-balik-teks").textContent = "Terima kasih, umpan balik Anda sudah kami terima.";
      }
    }
    var gone = !!b.data_deleted;  // deleted: nothing left to show, download, delete or change
    $("data-terhapus").hidden = !gone; $("hak-data").hidden = gone;
    document.querySelector(".info").hidden = gone;
    $("daftar-lagi").hidden = !(b.status === "dibatalkan" || b.status === "selesai");
    $("menunggu").hidden = b.status !== "menunggu";
    $("kedaluwarsa").hidden = b.status !== "kedaluwarsa";
    $("aksi").hidden = !OPEN[b.status] || gone;
    $("form-tanggal").hidden = b.status !== "kedaluwarsa";
    if (b.status === "kedaluwarsa") loadDays();
    $("konfirmasi-batal").hidden = true;
  }

  function load() {
    return api().then(function (res) {
      if (!res.ok) { fail((res.body.errors && res.body.errors._form) || "Pendaftaran tidak ditemukan."); askForLink(ref); return; }
      show(res.body);
    }).catch(function () { fail("Koneksi terputus. Muat ulang halaman ini."); });
  }

  var daysLoaded = false, current = [], choice = null;
  function loadDays() {
    if (daysLoaded) return;
    daysLoaded = true;
    fetch("/api/public/options").then(function (r) { return r.json(); }).then(function (o) {
      var box = $("pilihan-tanggal");
      CCDays.render(box, o.days, current);  // starts from the days offered now
      var offer = o.offer && choice && o.offer[choice.service];
      CCDays.mark(box, offer && offer[choice.mode]);
    }).catch(function () { daysLoaded = false; $("err-days").textContent = "Tanggal belum dapat dimuat. Coba lagi."; });
  }

  $("btn-tanggal").addEventListener("click", function () { $("form-tanggal").hidden = false; loadDays(); $("konfirmasi-batal").hidden = true; });
  $("btn-batal").addEventListener("click", function () { $("konfirmasi-batal").hidden = false; $("form-tanggal").hidden = true; $("btn-batal-ya").focus(); });
  $("btn-batal-tidak").addEventListener("click", function () { $("konfirmasi-batal").hidden = true; });
  $("btn-batal-ya").addEventListener("click", function () {
    api("/cancel", "POST", {}).then(function (res) {
      if (!res.ok) { say((res.body.errors && res.body.errors._form) || "Pembatalan belum berhasil."); return; }
      show(res.body); say("Pendaftaran Anda sudah dibatalkan. Terima kasih telah memberi tahu kami.");
    }).catch(function () { say("Koneksi terputus. Coba lagi."); });
  });
  function pickedDays() {
    return Array.prototype.filter.call(document.querySelectorAll("#pilihan-tanggal input"), function (i) { return i.checked; }).map(function (i) { return i.value; });
  }
  // New days: the same days again change nothing (the server says so); giving up a booked
  // session is asked first, with the session's day and time, and only then sent with confirm.
  function sendDays(confirm) {
    var picked = pickedDays();
    if (!picked.length) { $("err-days").textContent = "Pilih minimal satu tanggal."; return; }
    $("err-days").textContent = ""; $("konfirmasi-tanggal").hidden = true;
    api("/days", "POST", { days: picked, confirm: !!confirm }).then(function (res) {
      var errors = res.body.errors || {};
      if (res.status === 409 && res.body.needs_confirm) {
        $("konfirmasi-tanggal-teks").textContent = errors.confirm;
        var box = $("konfirmasi-tanggal"); box.hidden = false; box.focus(); return;
      }
      if (!res.ok) { $("err-days").textContent = errors.days || errors._form || "Belum berhasil."; return; }
      show(res.body); $("form-tanggal").hidden = true;
      say("Tanggal baru tersimpan. Urutan pendaftaran Anda tetap; kami kabari jadwalnya lewat WhatsApp.");
    }).catch(function () { $("err-days").textContent = "Koneksi terputus. Coba lagi."; });
  }
  $("form-tanggal").addEventListener("submit", function (e) { e.preventDefault(); sendDays(false); });
  $("btn-tanggal-ya").addEventListener("click", function () { sendDays(true); });
  $("btn-tanggal-tidak").addEventListener("click", function () {
    $("konfirmasi-tanggal").hidden = true; $("form-tanggal").hidden = true;
    say("Sesi Anda tetap seperti semula.");
  });

  function download(format) {
    var html = format === "html";
    fetch("/api/registrations/" + encodeURIComponent(ref) + "/data" + (html ? "?format=html" : ""), { headers: { "X-Registration-Token": token } })
      .then(function (r) { if (!r.ok) throw r; return r.blob(); })
      .then(function (blob) {
        var a = document.createElement("a"); a.href = URL.createObjectURL(blob);
        a.download = (html ? "data-saya-" : "data-clean-and-clear-") + ref + (html ? ".html" : ".json");
        document.body.appendChild(a); a.click();
        setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
        say(html ? "Data Anda sudah diunduh (dokumen yang bisa dibuka dan dicetak)." : "Data Anda sudah diunduh (berkas JSON).");
      })
      .catch(function () { say("Data belum dapat diunduh. Coba lagi."); });
  }
  $("btn-unduh").addEventListener("click", function () { download("html"); });
  $("btn-unduh-json").addEventListener("click", function () { download("json"); });
  $("btn-hapus").addEventListener("click", function () { $("konfirmasi-hapus").hidden = false; $("btn-hapus-ya").focus(); });
  $("btn-hapus-tidak").addEventListener("click", function () { $("konfirmasi-hapus").hidden = true; });
  $("btn-hapus-ya").addEventListener("click", function () {
    api("/delete", "POST", { confirm: true }).then(function (res) {
      if (!res.ok) { say((res.body.errors && (res.body.errors._form || res.body.errors.confirm)) || "Penghapusan belum berhasil."); return; }
      $("isi").hidden = true;
      var g = $("gagal"); g.className = "ok-box"; g.hidden = false;
      g.textContent = res.body.message || "Data pribadi Anda sudah kami hapus. Terima kasih.";
    }).catch(function () { say("Koneksi terputus. Coba lagi."); });
  });

  // A lost link: asked for again with the reference and the WhatsApp number; it is sent to that
  // number (never shown here), and the answer is the same whether or not the pair exists.
  var ask = $("minta-tautan");
  function askForLink(reference) {
    ask.hidden = false;
    if (reference && !ask.elements.reference.value) ask.elements.reference.value = reference;
  }
  ask.addEventListener("submit", function (e) {
    e.preventDefault();
    ["reference", "whatsapp", "_form"].forEach(function (n) { var p = $("err-m-" + n); p.textContent = ""; if (n === "_form") p.hidden = true; });
    $("m-terkirim").hidden = true;
    var btn = $("m-kirim"); btn.disabled = true;
    fetch("/api/registration-link", { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ reference: ask.elements.reference.value, whatsapp: ask.elements.whatsapp.value }) })
      .then(function (r) { return r.json().catch(function () { return {}; }).then(function (b) { return { ok: r.ok, body: b }; }); })
      .then(function (res) {
        if (res.ok) { var ok = $("m-terkirim"); ok.textContent = res.body.message; ok.hidden = false; return; }
        var errors = (res.body && res.body.errors) || { _form: "Permintaan belum berhasil. Coba lagi." };
        Object.keys(errors).forEach(function (n) { var p = $("err-m-" + n) || $("err-m-_form"); p.textContent = errors[n]; p.hidden = false; });
      })
      .catch(function () { var p = $("err-m-_form"); p.textContent = "Koneksi terputus. Periksa sinyal lalu coba lagi."; p.hidden = false; })
      .then(function () { btn.disabled = false; });
  });

  window.addEventListener("hashchange", function () { location.reload(); }); // another private link opened here

  if (!ref && !token) {  // the page itself, without a private link: how to get one
    $("memuat").textContent = "Buka tautan status pribadi dari pesan WhatsApp atau e-mail kami. Tidak punya lagi? Mintalah di bawah.";
    askForLink(null);
    return;
  }
  if (!ref || !token) {
    fail("Tautan tidak lengkap. Buka tautan dari pesan WhatsApp atau e-mail kami, atau minta tautan baru di bawah.");
    askForLink(ref);
    return;
  }
  load();
})();
