/* Loket (walk-in desk): the visitor's WhatsApp number first (their registrations show at once and
   fill the form), then the service and topic as taps, consent asked aloud, and one tap on a free
   time books it (POST /staff/desk/walk-ins, one Idempotency-Key per visitor: a double tap books
   once). A seat taken a moment before is answered with the next one, highlighted. */
import { $, clear, el } from "./dom.js";
import { api, ignoreStop, problem } from "./api.js";
import { clearErrors, showErrors } from "./forms.js";
import { fmtDay } from "./format.js";
import { loaders, meta } from "./state.js";

var form = $("l-form");
var desk = { key: null, reference: null, looked: "", lookSeq: 0, seatSeq: 0, busy: false, timer: null, seatTimer: null, seatPending: false };

function newKey() {
  var a = new Uint8Array(16); crypto.getRandomValues(a);
  return Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
}
function digits(v) { return String(v || "").replace(/\D/g, ""); }
function value(name) { var f = form.elements[name]; return f ? f.value.trim() : ""; }
function checked(name) {
  return Array.prototype.filter.call(form.querySelectorAll("input[name=" + name + "]"), function (i) { return i.checked; })
    .map(function (i) { return i.value; });
}
function pick(type, name, code, text, on) {
  return el("label", { className: "opt-row" }, [el("input", { type: type, name: name, value: code, checked: !!on }), el("span", { text: text })]);
}

function setUp() {
  if (setUp.done || !meta.desk_choices) return;
  setUp.done = true;
  var box = clear($("l-choice"));
  meta.desk_choices.forEach(function (c) { box.appendChild(pick("radio", "choice", c[0], c[1])); });
  var list = clear($("l-kecamatan-list"));
  (meta.kecamatan || []).forEach(function (k) { list.appendChild(el("option", { value: k })); });
  renderTopics([]);
}
function service() {
  if (desk.reference) return desk.reference.service;
  var c = checked("choice")[0];
  return c ? c.split(":")[0] : "";
}
function renderTopics(keep) {
  var box = clear($("l-topics")), svc = service(), only = meta.coop_only_topics || [];
  Object.keys(meta.topics || {}).forEach(function (code) {
    if (svc === "ukm" && only.indexOf(code) >= 0) return;
    box.appendChild(pick("checkbox", "topics", code, meta.topics[code], keep.indexOf(code) >= 0));
  });
}

/* --- the number first ------------------------------------------------------------------------ */
function onNumber() {
  clearTimeout(desk.timer);
  desk.timer = setTimeout(lookup, 350);
}
function lookup() {
  var number = digits(value("whatsapp"));
  if (number.length < 9 || number === desk.looked) return;
  desk.looked = number;
  desk.key = newKey(); // a new visitor: a new key
  var seq = ++desk.lookSeq;
  $("l-kenal-status").textContent = "Mencari pendaftaran nomor ini…";
  api("POST", "/staff/desk/lookup", { whatsapp: value("whatsapp") }).then(function (res) {
    if (seq !== desk.lookSeq) return;
    $("l-kenal-status").textContent = "";
    if (!res.ok) { showErrors(form, "l", res.body.errors || { whatsapp: problem(res) }); return; }
    clearErrors(form, "l");
    showKnown(res.body);
  }).catch(ignoreStop);
}
function showKnown(found) {
  var box = clear($("l-kenal-isi")), bookable = null;
  $("l-kenal").hidden = !found.known;
  $("l-kenal-status").textContent = !found.known ? "Nomor baru: isi data di bawah." :
    "Nomor ini sudah pernah mendaftar" + (found.visits ? " dan hadir " + found.visits + " kali" : "") + ". Data lamanya sudah diisikan.";
  (found.registrations || []).forEach(function (r) {
    var lines = [el("p", null, [el("strong", { text: r.reference }), " · " + r.service_label + " · " + r.status_label])];
    if (r.topics.length) lines.push(el("p", { className: "hint", text: r.topics.join(", ") }));
    if (r.session) lines.push(el("p", { text: "Jadwal: " + r.session.when + (r.session.walk_in ? " (datang langsung)" : "") }));
    if (r.bookable) {
      var radio = pick("radio", "reg", r.reference, "Jadwalkan pendaftaran ini sekarang", !bookable);
      radio.querySelector("input").addEventListener("change", function () { useRegistration(r); });
      lines.push(radio);
      if (!bookable) bookable = r;
    }
    box.appendChild(el("div", { className: "known" }, lines));
  });
  if (bookable) {
    var fresh = pick("radio", "reg", "", "Pendaftaran baru (topik lain)");
    fresh.querySelector("input").addEventListener("change", function () { useRegistration(null); });
    box.appendChild(fresh);
  }
  if (found.prefill) prefill(found.prefill);
  useRegistration(bookable);
}
function prefill(p) {
  ["name", "org_name", "kecamatan", "email", "desa"].forEach(function (k) {
    var f = form.elements[k];
    if (f && !f.value && p[k]) f.value = p[k];
  });
  if (p.choice && !checked("choice").length) {
    var c = form.querySelector("input[name=choice][value='" + p.choice + "']");
    if (c) c.checked = true;
  }
  if (!checked("topics").length) renderTopics(p.topics || []);
}
function useRegistration(r) {
  desk.reference = r ? { reference: r.reference, service: r.service, topics: r.topic_codes } : null;
  $("l-baru").hidden = !!r;
  loadSeats();
}

/* --- the seats ------------------------------------------------------------------------------- */
function loadSeats(highlight) {
  var svc = service(), topics = desk.reference ? desk.reference.topics : checked("topics");
  var seq = ++desk.seatSeq;
  var q = "?service=" + encodeURIComponent(svc) + "&topics=" + encodeURIComponent(topics.join(","));
  $("l-kursi").setAttribute("aria-busy", "true");
  return api("GET", "/staff/desk/seats" + q).then(function (res) {
    if (seq !== desk.seatSeq) return;
    // The list is the one for what is ticked now, unless a topic tap's reload is still to come.
    if (!desk.seatPending) $("l-kursi").removeAttribute("aria-busy");
    if (!res.ok) { $("l-err-seat").textContent = problem(res); $("l-err-seat").hidden = false; return; }
    showSeats(res.body, highlight);
  }).catch(ignoreStop);
}
function showSeats(data, highlight) {
  var box = clear($("l-kursi")), groups = [], byKey = {}, focus = null;
  $("l-hari").textContent = !data.day ? "" : data.today ? "hari ini" : "· " + data.day_label;
  data.seats.forEach(function (s) {
    var k = s.consultant_id + "|" + s.room_id;
    if (!byKey[k]) { byKey[k] = { first: s, seats: [] }; groups.push(byKey[k]); }
    byKey[k].seats.push(s);
  });
  groups.forEach(function (g) {
    var head = [g.first.consultant_name + " · " + (g.first.room_name || "")];
    if (g.first.fits) head.push(" ", el("span", { className: "fit", text: "cocok dengan topiknya" }));
    var times = el("div", { className: "times" });
    g.seats.forEach(function (s) {
      var b = el("button", { type: "button", className: "secondary", text: s.time_wib,
        "aria-label": "Jadwalkan " + s.words });
      if (highlight && s.start === highlight.start && s.consultant_id === highlight.consultant_id) { b.className += " next"; focus = b; }
      b.addEventListener("click", function () { book(s); });
      times.appendChild(b);
    });
    box.appendChild(el("div", { className: "seatgroup" }, [el("h3", null, head), times]));
  });
  $("l-kursi-hint").hidden = !data.seats.length;
  // The queue: open when nothing is free; a registration already waiting is in it already.
  $("l-antre").hidden = !!desk.reference;
  if (!data.seats.length) $("l-antre").open = true; // opened by hand, it stays open while the list changes
  $("l-antre-judul").textContent = data.seats.length ? "Tidak bisa pada jam-jam ini? Masukkan ke antrean" :
    "Tidak ada kursi kosong: masukkan ke antrean";
  if (!data.seats.length) {
    box.appendChild(el("p", { className: "status", text: "Tidak ada kursi tatap muka yang kosong hari ini maupun hari kerja berikutnya." }));
  }
  var days = $("l-days"), keep = checked("days");
  clear(days);
  (data.queue_days || []).forEach(function (d) { days.appendChild(pick("checkbox", "days", d, fmtDay(d, true), keep.indexOf(d) >= 0)); });
  if (focus) focus.focus();
}

/* --- booking --------------------------------------------------------------------------------- */
function body() {
  if (desk.reference) return { reference: desk.reference.reference };
  return { whatsapp: value("whatsapp"), name: value("name"), org_name: value("org_name"), kecamatan: value("kecamatan"),
    email: value("email"), desa: value("desa"), nib: value("nib"), description: value("description"),
    choice: checked("choice")[0] || null, topics: checked("topics"), consent: $("l-consent").checked };
}
function setBusy(on) {
  desk.busy = on;
  Array.prototype.forEach.call(document.querySelectorAll("#l-kursi button, #l-antre-kirim"), function (b) { b.disabled = on; });
}
function send(path, payload) {
  if (desk.busy) return Promise.resolve(null); // a double tap: the first request answers
  if (!desk.key) desk.key = newKey();
  setBusy(true);
  clearErrors(form, "l");
  $("l-err-seat").hidden = true;
  return api("POST", path, payload, { "Idempotency-Key": desk.key }).then(function (res) {
    setBusy(false);
    return res;
  }, function (e) { setBusy(false); throw e; });
}
function book(seat) {
  var payload = body();
  payload.seat = { start: seat.start, consultant_id: seat.consultant_id };
  send("/staff/desk/walk-ins", payload).then(function (res) {
    if (!res) return;
    if (res.ok) return done(res.body);
    var errors = res.body.errors || { _form: problem(res) };
    if (errors.seat) {
      $("l-err-seat").textContent = errors.seat; $("l-err-seat").hidden = false;
      return loadSeats(res.body.next || null);
    }
    showErrors(form, "l", errors);
  }).catch(ignoreStop);
}
function queue() {
  var payload = body();
  payload.days = checked("days");
  send("/staff/desk/queue", payload).then(function (res) {
    if (!res) return;
    if (!res.ok) return showErrors(form, "l", res.body.errors || { _form: problem(res) });
    $("l-hasil-judul").textContent = "Masuk antrean: " + value("name");
    $("l-hasil-kapan").textContent = "Kode " + res.body.reference;
    $("l-hasil-tempat").textContent = "";
    $("l-hasil-info").textContent = "Urutannya dihitung sejak hari ini. Jadwalnya dikirim lewat WhatsApp begitu ada kursi.";
    showResult();
  }).catch(ignoreStop);
}
function done(b) {
  $("l-hasil-judul").textContent = "Terjadwal: " + b.name;
  $("l-hasil-kapan").textContent = b.when;
  $("l-hasil-tempat").textContent = b.consultant_name + (b.room_name ? " · " + b.room_name : "");
  $("l-hasil-info").textContent = "Kode " + b.reference + ". Konfirmasi dan tautan pribadinya dikirim lewat " + b.told_by.join(" dan ") + ".";
  showResult();
}
function showResult() {
  $("l-isi").hidden = true;
  $("l-hasil").hidden = false;
  $("l-hasil").focus();
}
function reset() {
  form.reset();
  desk.key = null; desk.reference = null; desk.looked = "";
  clear($("l-kenal-isi")); $("l-kenal").hidden = true; $("l-kenal-status").textContent = "";
  $("l-baru").hidden = false;
  clearErrors(form, "l");
  renderTopics([]);
  $("l-hasil").hidden = true; $("l-isi").hidden = false; $("l-antre").open = false;
  loadSeats();
  $("l-whatsapp").focus();
}

$("l-whatsapp").addEventListener("input", onNumber);
$("l-whatsapp").addEventListener("change", lookup);
$("l-choice").addEventListener("change", function () { renderTopics(checked("topics")); loadSeats(); });
$("l-topics").addEventListener("change", function () {
  $("l-kursi").setAttribute("aria-busy", "true");  // the order (topic fit first) is about to change
  desk.seatPending = true;
  clearTimeout(desk.seatTimer);
  desk.seatTimer = setTimeout(function () { desk.seatPending = false; loadSeats(); }, 250);
});
$("l-antre-kirim").addEventListener("click", queue);
$("l-berikutnya").addEventListener("click", reset);
$("l-kosongkan").addEventListener("click", reset);
form.addEventListener("submit", function (e) { e.preventDefault(); });

loaders.loket = function () {
  setUp();
  if ($("l-hasil").hidden) loadSeats();
};
