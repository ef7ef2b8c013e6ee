/* Evaluasi: key figures and charts of the program's evaluation, and the monthly report. */
import { $, clear, el, label, setStatus, text } from "./dom.js";
import { SHORT_SERVICE, addDays, fmtInstant, fmtNum, fmtRange, pct, share, validDay } from "./format.js";
import { api, apiFile, ignoreStop, problem, qs, saveFile } from "./api.js";
import { clearErrors, showErrors } from "./forms.js";
import { loaders, meta, thisWeek, today } from "./state.js";
import { barList, chartCard, columns, numbersTable, plotWidth } from "./charts.js";
import { loadForecast } from "./perkiraan.js";

loaders.evaluasi = function (arg, changed) {
  // This week (the one rule of "this week": after Friday's last session, the coming one) and the seven before it.
  if (!$("e-to").value) { $("e-to").value = addDays(thisWeek(), 6); $("e-from").value = addDays(thisWeek(), -49); }
  if (!$("e-r-month").value) { var t = today(); $("e-r-month").value = t.slice(0, 7); }
  if (changed) { showDashboard(); loadForecast(); }
};
var dashRequest = 0;
function showDashboard() {
  var form = $("e-form"), from = $("e-from").value, to = $("e-to").value, local = {};
  if (!validDay(from)) local.from = "Isi tanggal awal.";
  if (!validDay(to)) local.to = "Isi tanggal akhir.";
  else if (validDay(from) && to < from) local.to = "Tanggal akhir harus sesudah tanggal awal.";
  if (Object.keys(local).length) return showErrors(form, "e", local);
  clearErrors(form, "e");
  setStatus("e-status", "Memuat…");
  var mine = ++dashRequest;
  api("GET", "/staff/dashboard" + qs({ from: from, to: to })).then(function (res) {
    if (mine !== dashRequest) return;
    if (!res.ok) { setStatus("e-status", ""); clear($("e-isi")); return showErrors(form, "e", (res.body && res.body.errors) || { _form: problem(res) }); }
    renderDashboard(res.body);
  }).catch(ignoreStop);
}
$("e-form").addEventListener("submit", function (e) { e.preventDefault(); showDashboard(); });

function renderDashboard(d) {
  var box = clear($("e-isi")), rg = d.range || {}, reg = d.registrations || {}, reach = d.reach || {}, fun = d.funnel || {},
    ses = d.sessions || {}, fb = d.feedback || {}, wait = ses.waiting_days || {}, util = ses.utilisation || {}, all = fb.overall || {};
  var weeks = rg.weeks || [];
  // In words, as people say it: "5 Okt – 6 Des 2026 (9 minggu)"; the ISO week codes only in the tables' data.
  setStatus("e-status", (validDay(rg.from) && validDay(rg.to) ? fmtRange(rg.from, rg.to).replace("–", " – ") : "") +
    " (" + weeks.length + " minggu, Senin–Minggu).");

  // Key figures
  var attendedN = ses.attended || 0, noShowN = ses.no_show || 0;
  var tiles = [
    ["pendaftar", fmtNum(reg.total || 0), "pendaftar", (reg.follow_ups ? fmtNum(reg.follow_ups) + " sesi lanjutan" : null)],
    ["jangkauan", fmtNum(reach.reached || 0) + "/" + fmtNum(reach.total || 40), "kecamatan terjangkau", (reach.total || 40) - (reach.reached || 0) + " belum ada pendaftar"],
    ["hadir", fmtNum(attendedN), "sesi dihadiri (tanggal sesi)", "tidak hadir: " + pct(ses.no_show_rate)],
    ["tunggu", wait.median === null || wait.median === undefined ? "—" : fmtNum(wait.median) + " hari", "median waktu tunggu",
      "90% ≤ " + (wait.p90 === null || wait.p90 === undefined ? "—" : fmtNum(wait.p90) + " hari")],
    ["slot", pct(util.rate), "slot terpakai", fmtNum(util.taken || 0) + " dari " + fmtNum(util.offered || 0) + " kursi"],
    ["puas", all.avg_satisfaction === null || all.avg_satisfaction === undefined ? "—" : fmtNum(all.avg_satisfaction, 1) + "/5", "kepuasan rata-rata",
      "NPS " + (all.nps === null || all.nps === undefined ? "—" : (all.nps > 0 ? "+" : "") + fmtNum(all.nps)) + " · " + fmtNum(all.count || 0) + " umpan balik"]
  ];
  box.appendChild(el("div", { className: "tiles" }, tiles.map(function (t) {
    return el("div", { className: "tile", "data-tile": t[0] }, [el("p", { className: "big", text: t[1] }), el("p", { className: "what", text: t[2] }),
      t[3] ? el("p", { className: "minor", text: t[3] }) : null]);
  })));

  var defs = d.definitions || {};
  box.appendChild(el("p", { className: "hint definitions", "data-field": "definitions", text: [defs.cohort, defs.sessions].filter(Boolean).join(" ") }));
  var grid = el("div", { className: "charts" });
  box.appendChild(grid);

  // Registrations per week, stacked by service
  var svcs = Object.keys(meta.services || SHORT_SERVICE);
  var perWeek = reg.per_week || [];
  chartCard(grid, "Pendaftar per minggu", fmtNum(reg.total || 0) + " pendaftar dalam " + perWeek.length + " minggu, menurut layanan.",
    function (w0) { return columns(perWeek.map(function (w) {
      return { key: w.week, label: w.week, tick: validDay(w.start) ? +w.start.slice(8) + "/" + +w.start.slice(5, 7) : String(w.week).slice(-3),
        parts: svcs.map(function (sv) { return { value: (w.by_service || {})[sv] || 0, cls: "c-" + sv }; }) };
    }), { width: w0 }); },
    svcs.map(function (sv) { return ["c-" + sv, SHORT_SERVICE[sv] || label(meta.services, sv)]; }),
    numbersTable(["Minggu"].concat(svcs.map(function (sv) { return SHORT_SERVICE[sv] || sv; })).concat(["Jumlah", "Sesi", "Hadir", "Tidak hadir"]),
      perWeek.map(function (w) {
        return [validDay(w.start) ? fmtRange(w.start, w.end) : w.week].concat(svcs.map(function (sv) { return fmtNum((w.by_service || {})[sv] || 0); }))
          .concat([fmtNum(w.total), fmtNum(w.sessions), fmtNum(w.attended), fmtNum(w.no_show)]);
      })), "wide");

  // Funnel
  var steps = [["registered", "Mendaftar"], ["scheduled", "Dijadwalkan"], ["attended", "Hadir"], ["feedback", "Memberi umpan balik"]];
  var base = fun.registered || 0;
  chartCard(grid, "Pendaftar rentang ini: dari mendaftar sampai umpan balik", "Dari " + fmtNum(base) + " pendaftar (kapan pun sesinya): " + share(fun.attended || 0, base) + " hadir, " +
    share(fun.feedback || 0, base) + " memberi umpan balik.",
    function (w0) { return barList(steps.map(function (s, i) {
      var v = fun[s[0]] || 0;
      return { key: s[0], label: s[1], value: v, barCls: "c-f" + i, valueText: fmtNum(v) + (i ? " (" + share(v, base) + ")" : "") };
    }), { valueW: 70, max: Math.max(base, 1), width: w0 }); }, null,
    numbersTable(["Tahap", "Orang", "Dari pendaftar"], steps.map(function (s) { return [s[1], fmtNum(fun[s[0]] || 0), share(fun[s[0]] || 0, base)]; })
      .concat([["Dibatalkan", fmtNum(fun.cancelled || 0), share(fun.cancelled || 0, base)], ["Tanggal kedaluwarsa", fmtNum(fun.expired_events || 0), share(fun.expired_events || 0, base)]])));

  // Attendance and no-show
  chartCard(grid, "Kehadiran", attendedN + noShowN ? "Tingkat tidak hadir " + pct(ses.no_show_rate) + " (" + fmtNum(noShowN) + " dari " + fmtNum(attendedN + noShowN) + " sesi yang dicatat)." :
    "Belum ada sesi yang dicatat kehadirannya pada rentang ini.",
    function (w0) { return barList([
      { key: "hadir", label: "Sesi yang dicatat kehadirannya", parts: [{ value: attendedN, cls: "c-att" }, { value: noShowN, cls: "c-noshow" }],
        valueText: fmtNum(attendedN + noShowN) },
      { key: "batal", label: "Sesi dibatalkan", parts: [{ value: ses.cancelled_by_visitor || 0, cls: "c-cv" }, { value: ses.cancelled_by_office || 0, cls: "c-co" }],
        valueText: fmtNum((ses.cancelled_by_visitor || 0) + (ses.cancelled_by_office || 0)) }
    ], { max: Math.max(attendedN + noShowN, (ses.cancelled_by_visitor || 0) + (ses.cancelled_by_office || 0), 1), width: w0 }); },
    [["c-att", "Hadir"], ["c-noshow", "Tidak hadir"], ["c-cv", "Dibatalkan pengunjung"], ["c-co", "Dibatalkan kantor"]],
    numbersTable(["", "Jumlah"], [["Hadir", fmtNum(attendedN)], ["Tidak hadir", fmtNum(noShowN)], ["Tingkat tidak hadir", pct(ses.no_show_rate)],
      ["Dibatalkan pengunjung", fmtNum(ses.cancelled_by_visitor || 0)], ["Dibatalkan kantor", fmtNum(ses.cancelled_by_office || 0)],
      ["Minta tanggal lain (bukan pembatalan)", fmtNum(ses.other_dates || 0)], ["Kursi terpakai", fmtNum(ses.held_seats || 0)]]));

  // WhatsApp: the visitors' own taps (confirm, cancel) and the seats refilled at once
  var wa = d.whatsapp || {};
  var secs = wa.refill_seconds_avg;
  chartCard(grid, "Lewat WhatsApp",
    fmtNum(wa.confirmed || 0) + " konfirmasi hadir, " + fmtNum(wa.cancelled || 0) + " pembatalan lewat WhatsApp; " +
      fmtNum(wa.refilled || 0) + " kursi kosong langsung terisi dari antrean" + (secs === null || secs === undefined ? "." : " (rata-rata " + fmtNum(secs, 1) + " detik).") +
      (wa.confirmed_recorded || wa.unconfirmed_recorded ? " Tidak hadir: " + pct(wa.no_show_rate_confirmed) + " yang konfirmasi, " + pct(wa.no_show_rate_unconfirmed) + " yang tidak." : ""),
    wa.confirmed_recorded || wa.unconfirmed_recorded ? function (w0) { return barList([
      { key: "conf", label: "Konfirmasi hadir (" + fmtNum(wa.confirmed_recorded || 0) + " sesi)", parts: [{ value: Math.round((wa.no_show_rate_confirmed || 0) * 1000) / 10, cls: "c-noshow" }], valueText: pct(wa.no_show_rate_confirmed) },
      { key: "unconf", label: "Tanpa konfirmasi (" + fmtNum(wa.unconfirmed_recorded || 0) + " sesi)", parts: [{ value: Math.round((wa.no_show_rate_unconfirmed || 0) * 1000) / 10, cls: "c-noshow" }], valueText: pct(wa.no_show_rate_unconfirmed) }
    ], { max: 100, width: w0 }); } : null, null,
    numbersTable(["", "Jumlah"], [["Konfirmasi \u201cSaya hadir\u201d", fmtNum(wa.confirmed || 0)],
      ["Dibatalkan lewat WhatsApp", fmtNum(wa.cancelled || 0) + " dari " + fmtNum(wa.cancelled_by_visitor || 0) + " pembatalan pengunjung"],
      ["Kursi terisi lagi dari antrean", fmtNum(wa.refilled || 0)], ["Rata-rata waktu sampai terisi", secs === null || secs === undefined ? "—" : fmtNum(secs, 1) + " detik"],
      ["Tidak hadir, sudah konfirmasi", pct(wa.no_show_rate_confirmed) + " dari " + fmtNum(wa.confirmed_recorded || 0) + " sesi"],
      ["Tidak hadir, tanpa konfirmasi", pct(wa.no_show_rate_unconfirmed) + " dari " + fmtNum(wa.unconfirmed_recorded || 0) + " sesi"]]), "wa-card");

  // Waiting time and utilisation
  var hist = wait.histogram || [];
  var waitFig = chartCard(grid, "Waktu tunggu dan pemakaian slot",
    wait.count ? "Separuh pendaftar mendapat sesi dalam " + fmtNum(wait.median) + " hari, 90% dalam " + fmtNum(wait.p90) + " hari (" + fmtNum(wait.count) + " sesi)." :
      "Belum ada sesi pada rentang ini.",
    hist.length ? function (w0) { return columns(hist.map(function (h) { return { key: h.days, label: h.days, tick: String(h.days), parts: [{ value: h.count, cls: "c1" }] }; }), { height: 150, width: w0 }); } : null,
    null, numbersTable(["Hari menunggu", "Sesi"], hist.map(function (h) { return [String(h.days).indexOf("+") > 0 ? wait.over_limit_label || h.days : h.days + " hari", fmtNum(h.count)]; })));
  if (hist.length) waitFig.querySelector(".plot").appendChild(el("p", { className: "axis-note", text: "Jumlah sesi menurut lama menunggu (hari) sejak mendaftar." }));
  waitFig.insertBefore(el("div", { className: "plot" }, [barList([{ key: "slot", label: "Slot terpakai: " + fmtNum(util.taken || 0) + " dari " + fmtNum(util.offered || 0),
    parts: [{ value: util.taken || 0, cls: "c0" }, { value: Math.max((util.offered || 0) - (util.taken || 0), 0), cls: "c-free" }], valueText: pct(util.rate) }],
    { max: Math.max(util.offered || 0, util.taken || 0, 1), width: plotWidth(waitFig) - 32 })]), waitFig.querySelector("details.numbers"));
  var slotSvg = waitFig.querySelectorAll(".plot svg")[waitFig.querySelectorAll(".plot svg").length - 1];
  slotSvg.setAttribute("role", "img");
  slotSvg.setAttribute("aria-label", "Pemakaian slot " + pct(util.rate));

  // By topic, source, campaign
  function countRows(list) { return (list || []).slice().sort(function (a, b) { return b.count - a.count; }).map(function (x) { return { key: x.key || x.code, label: x.label || x.name || x.code, value: x.count }; }); }
  var topics = countRows(reg.by_topic);
  chartCard(grid, "Topik yang ditanyakan", topics.length && topics[0].value ? "Paling banyak: " + topics[0].label + " (" + fmtNum(topics[0].value) + ")." : "Belum ada pendaftar.",
    function (w0) { return barList(topics, { width: w0 }); }, null, numbersTable(["Topik", "Pendaftar"], topics.map(function (r) { return [r.label, fmtNum(r.value)]; })));
  var sources = countRows(reg.by_source);
  chartCard(grid, "Tahu layanan dari", sources.length && sources[0].value ? "Saluran terbesar: " + sources[0].label + " (" + share(sources[0].value, reg.total) + ")." : "Belum ada pendaftar.",
    function (w0) { return barList(sources.map(function (r) { r.barCls = "c1"; return r; }), { width: w0 }); }, null, numbersTable(["Sumber", "Pendaftar"], sources.map(function (r) { return [r.label, fmtNum(r.value)]; })));

  // Channels: the web form and the walk-in desk (Loket), with the seats and feedback of walk-ins
  var channels = countRows(reg.by_channel), walkSeats = 0, walkFb = fb.walk_in || {};
  Object.keys(ses.walk_in || {}).forEach(function (k) { walkSeats += ses.walk_in[k] || 0; });
  chartCard(grid, "Saluran pendaftaran", reg.total ? "Datang langsung: " + fmtNum(walkSeats) + " sesi dijadwalkan di loket; " +
      (walkFb.count ? fmtNum(walkFb.count) + " umpan balik, kepuasan " + fmtNum(walkFb.avg_satisfaction, 1) + "/5." : "belum ada umpan balik dari mereka.") :
      "Belum ada pendaftar.",
    function (w0) { return barList(channels.map(function (r) { r.barCls = "c0"; return r; }), { width: w0 }); }, null,
    numbersTable(["Saluran", "Pendaftar"], channels.map(function (r) { return [r.label, fmtNum(r.value) + " (" + share(r.value, reg.total) + ")"]; })));

  // Reach: all 40 kecamatan, sorted, the ones with nobody marked as the gap
  var kec = (reach.kecamatan || []).slice().sort(function (a, b) { return b.count - a.count || String(a.name).localeCompare(String(b.name), "id"); });
  var gaps = kec.filter(function (k) { return !k.count; });
  var reachFig = chartCard(grid, "Jangkauan per kecamatan", fmtNum(reach.reached || 0) + " dari " + fmtNum(reach.total || kec.length) + " kecamatan punya pendaftar; " +
    gaps.length + " belum (ditandai kuning).",
    function (w0) { return barList(kec.map(function (k) { return { key: k.name, label: k.name, value: k.count, barCls: "c0", cls: k.count ? "" : "gap-row" }; }),
      { labelW: 104, markZero: true, zeroText: "0 · belum ada", width: Math.min(w0, 560) }); },
    null, numbersTable(["Kecamatan", "Pendaftar"], kec.map(function (k) { return [k.name, fmtNum(k.count)]; })), "tall");
  if (gaps.length) reachFig.insertBefore(el("p", { className: "gap-list" }, [el("strong", { text: "Belum terjangkau: " }), gaps.map(function (k) { return k.name; }).join(", ") + "."]),
    reachFig.querySelector(".plot"));

  // Campaigns: social-media interaction beside the registrations each brought
  var camps = d.campaigns || [];
  var maxI = Math.max.apply(null, camps.map(function (c) { var i = c.interaction || {}; return (i.likes || 0) + (i.comments || 0) + (i.questions || 0); }).concat([1]));
  var maxR = Math.max.apply(null, camps.map(function (c) { return c.registrations || 0; }).concat([1]));
  var campBox = chartCard(grid, "Kampanye: interaksi dan pendaftar", camps.length ? "Interaksi unggahan (suka, komentar, pertanyaan) di samping pendaftar yang datang lewat tautan kampanye pada rentang ini." :
    "Belum ada kampanye. Buat di bagian Kampanye.", null,
    camps.length ? [["c-like", "Suka"], ["c-comment", "Komentar"], ["c-question", "Pertanyaan"], ["c-reg", "Pendaftar"]] : null,
    numbersTable(["Kampanye", "Suka", "Komentar", "Pertanyaan", "Pendaftar (rentang)", "Pendaftar (semua)", "Dilihat", "Pendaftar per 100 interaksi", "Asal angka"], camps.map(function (c) {
      var i = c.interaction || {}, inter = (i.likes || 0) + (i.comments || 0) + (i.questions || 0), r = c.reading || {};
      var typed = r.typed_posts || 0, read = (c.posts || []).length - typed;
      return [(c.name || "Tanpa kampanye terdaftar") + " (" + c.code + ")", fmtNum(i.likes || 0), fmtNum(i.comments || 0), fmtNum(i.questions || 0), fmtNum(c.registrations || 0), fmtNum(c.registrations_all_time || 0),
        r.views === null || r.views === undefined ? "—" : fmtNum(r.views),
        inter ? fmtNum(100 * (c.registrations_all_time || 0) / inter, 1) + " (dari " + fmtNum(inter) + ")" : "—",
        !(c.posts || []).length ? "—" : read && typed ? read + " otomatis, " + typed + " diketik" : read ? "otomatis (Meta)" : "diketik staf"];
    })), "wide");
  if (camps.length) {
    var rows = [];
    camps.forEach(function (c) {
      var i = c.interaction || {};
      var inter = (i.likes || 0) + (i.comments || 0) + (i.questions || 0);
      rows.push({ key: c.code + ":i", label: c.name ? c.name + " · " + c.code : c.code + " (kode tanpa kampanye terdaftar)", parts: [{ value: (i.likes || 0) / maxI, cls: "c-like" },
        { value: (i.comments || 0) / maxI, cls: "c-comment" }, { value: (i.questions || 0) / maxI, cls: "c-question" }], valueText: fmtNum(inter) + " interaksi" });
      rows.push({ key: c.code + ":r", label: "", parts: [{ value: (c.registrations || 0) / maxR, cls: "c-reg" }], valueText: fmtNum(c.registrations || 0) + " pendaftar" });
    });
    var plot = el("div", { className: "plot" }, [barList(rows, { max: 1, valueW: 92, width: plotWidth(campBox) - 32 })]);
    plot.firstChild.setAttribute("role", "img");
    plot.firstChild.setAttribute("aria-labelledby", campBox.querySelector("h2").id);
    campBox.insertBefore(plot, campBox.querySelector(".legend-list"));
  }
  // The posts read from Meta: their interactions day by day, beside the registrations each campaign brought.
  var read = camps.filter(function (c) { return (c.days || []).length; });
  if (read.length) {
    var rows = [];
    read.forEach(function (c) { (c.days || []).forEach(function (d) { rows.push([(c.name || c.code), d.day, fmtNum(d.views), fmtNum(d.interactions), fmtNum(d.questions)]); }); });
    var daily = chartCard(grid, "Interaksi unggahan per hari (dibaca dari Meta)",
      read.map(function (c) { var last = c.days[c.days.length - 1]; return (c.name || c.code) + ": " + fmtNum(last.interactions) + " interaksi, " + fmtNum(c.registrations || 0) + " pendaftar pada rentang ini"; }).join("; ") + ".",
      null, null, numbersTable(["Kampanye", "Hari", "Dilihat", "Interaksi", "Pertanyaan"], rows), "wide");
    read.forEach(function (c) {
      var svg = columns(c.days.map(function (d) { return { key: d.day, label: d.day, tick: d.day.slice(8), parts: [{ value: d.interactions, cls: "c1" }] }; }),
        { height: 120, width: plotWidth(daily) - 32 });
      svg.setAttribute("role", "img");
      svg.setAttribute("aria-label", "Interaksi unggahan " + (c.name || c.code) + " per hari");
      daily.insertBefore(el("div", { className: "plot", "data-code": c.code }, [el("h3", { className: "minor", text: c.name || c.code }), svg]), daily.querySelector("details.numbers"));
    });
  }

  // Feedback per consultant and per topic
  function fbRows(list) {
    return (list || []).map(function (r) {
      var yes = (r.answered_share || {}).ya;
      return { key: r.id || r.key, label: (r.name || r.label) + " (" + fmtNum(r.count) + ")", value: r.avg_satisfaction || 0,
        valueText: r.avg_satisfaction === null || r.avg_satisfaction === undefined ? "—" : fmtNum(r.avg_satisfaction, 1) + "/5",
        sub: "NPS " + (r.nps === null || r.nps === undefined ? "—" : (r.nps > 0 ? "+" : "") + fmtNum(r.nps)) + " · masalah terjawab " + pct(yes) +
          " · sebagian " + pct((r.answered_share || {}).sebagian) };
    });
  }
  function fbTable(list, first) {
    return numbersTable([first, "Jawaban", "Kepuasan (1–5)", "Kebermanfaatan (1–5)", "NPS", "Terjawab", "Sebagian", "Tidak"], (list || []).map(function (r) {
      var a = r.answered_share || {};
      return [r.name || r.label, fmtNum(r.count), fmtNum(r.avg_satisfaction, 1), fmtNum(r.avg_helpfulness, 1), r.nps === null || r.nps === undefined ? "—" : fmtNum(r.nps), pct(a.ya), pct(a.sebagian), pct(a.tidak)];
    }));
  }
  var perCon = fb.per_consultant || [], perTop = fb.per_topic || [];
  chartCard(grid, "Umpan balik per konsultan", perCon.length ? "Kepuasan rata-rata (skala 1–5), NPS dan bagian masalah yang terjawab; angka dalam kurung: jumlah umpan balik." : "Belum ada umpan balik pada rentang ini.",
    perCon.length ? function (w0) { return barList(fbRows(perCon), { max: 5, valueW: 40, width: w0 }); } : null, null, perCon.length ? fbTable(perCon, "Konsultan") : null);
  chartCard(grid, "Umpan balik per topik", perTop.length ? "Topik dengan kepuasan rendah perlu narasumber atau materi tambahan." : "Belum ada umpan balik pada rentang ini.",
    perTop.length ? function (w0) { return barList(fbRows(perTop), { max: 5, valueW: 40, width: w0 }); } : null, null, perTop.length ? fbTable(perTop, "Topik") : null);

  // Latest comments, as text
  var comments = fb.latest_comments || [];
  var cBox = chartCard(grid, "Komentar terbaru: apa yang perlu diperbaiki", comments.length ? null : "Belum ada komentar pada rentang ini.", null, null, null, "wide");
  if (comments.length) {
    cBox.appendChild(el("ul", { className: "comments" }, comments.map(function (c) {
      return el("li", null, [el("blockquote", null, [el("p", { className: "long", text: c.text })]),
        el("p", { className: "minor", text: fmtInstant(c.at) + " · " + text(c.consultant_name) + " · " + (SHORT_SERVICE[c.service] || label(meta.services, c.service)) +
          " · kepuasan " + fmtNum(c.satisfaction) + "/5 · rekomendasi " + fmtNum(c.recommend) + "/10 · terjawab: " + ({ ya: "ya", sebagian: "sebagian", tidak: "tidak" }[c.answered] || text(c.answered)) })]);
    })));
  }

  // WhatsApp broadcasts, when the API gives them
  var bc = d.broadcasts || [];
  if (bc.length) {
    chartCard(grid, "Siaran WhatsApp", "Pesan terkirim, sampai, dan pendaftar yang menyusul.", null, null,
      numbersTable(["Siaran", "Penerima", "Sampai", "Pendaftar menyusul"], bc.map(function (b) {
        return [text(b.name || b.id), fmtNum(b.recipients || b.total || 0), fmtNum(b.delivered || 0), fmtNum(b.registrations || 0)];
      })), "wide").querySelector("details").open = true;
  }
}
function downloadReport(kind) {
  var form = $("e-r-form"), month = $("e-r-month").value;
  if (!/^\d{4}-\d{2}$/.test(month)) return showErrors(form, "e-r", { month: "Pilih bulan." });
  clearErrors(form, "e-r");
  setStatus("e-r-status", "Menyiapkan laporan…");
  var type = kind === "xlsx" ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" : "text/csv";
  apiFile("/staff/reports/" + month + "." + kind, type).then(function (res) {
    if (!res.ok) { setStatus("e-r-status", ""); return showErrors(form, "e-r", (res.body && res.body.errors) || { _form: problem(res) }); }
    var name = res.filename || "laporan-clean-and-clear-" + month + "." + kind;
    saveFile(res.blob, name);
    setStatus("e-r-status", "Laporan " + name + " diunduh.");
  }).catch(ignoreStop);
}
$("e-r-form").addEventListener("submit", function (e) { e.preventDefault(); downloadReport("xlsx"); });
$("e-r-csv").addEventListener("click", function () { downloadReport("csv"); });
// The kept monthly report (sent to the office on the first service day), by its signed link.
$("e-r-buka").addEventListener("click", function () {
  var form = $("e-r-form"), month = $("e-r-month").value;
  if (!/^\d{4}-\d{2}$/.test(month)) return showErrors(form, "e-r", { month: "Pilih bulan." });
  clearErrors(form, "e-r");
  var tab = window.open("", "_blank");
  setStatus("e-r-status", "Menyiapkan laporan…");
  api("GET", "/staff/monthly/" + month).then(function (res) {
    if (!res.ok) { if (tab) tab.close(); setStatus("e-r-status", ""); return showErrors(form, "e-r", (res.body && res.body.errors) || { _form: problem(res) }); }
    if (tab) { tab.opener = null; tab.location.href = res.body.link; } else { window.location.href = res.body.link; }
    setStatus("e-r-status", "Laporan " + month + " dibuka di tab baru.");
  }).catch(ignoreStop);
});
