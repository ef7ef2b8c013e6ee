/* Day choices, shared by the signup, status and feedback pages: the bookable days as checkboxes
   in a grid that fits any phone (static_site/assets/site.css .days), and, for one service and
   mode, which days have no consultant (not offered) and which are full for now (offered: the
   visitor queues for a seat that comes free). */
window.CCDays = (function () {
  "use strict";
  var DAY_NAMES = ["Min", "Sen", "Sel", "Rab", "Kam", "Jum", "Sab"];
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"];
  var SHOWN = 15;  // the first 15 bookable days (services/registrations.py OFFERED_ON_PAGE)

  function label(iso) {
    var d = new Date(iso + "T00:00:00");
    return DAY_NAMES[d.getDay()] + ", " + d.getDate() + " " + MONTHS[d.getMonth()];
  }
  function render(box, days, checked) {
    box.textContent = "";
    days.slice(0, SHOWN).forEach(function (iso) {
      var l = document.createElement("label"); l.className = "opt-row";
      var i = document.createElement("input"); i.type = "checkbox"; i.name = "days"; i.value = iso;
      i.checked = !!(checked && checked.indexOf(iso) >= 0);
      var t = document.createElement("span"); t.textContent = label(iso);
      var n = document.createElement("span"); n.className = "day-note";
      t.appendChild(n); l.appendChild(i); l.appendChild(t); box.appendChild(l);
    });
  }
  // cells: {iso: {seats, free}} of one service and mode (GET /public/options "offer"), or null.
  // Returns how many days carry a note.
  function mark(box, cells) {
    var noted = 0;
    box.querySelectorAll("input[name=days]").forEach(function (i) {
      var cell = cells && cells[i.value], note = i.parentNode.querySelector(".day-note");
      var closed = !!(cell && cell.seats === 0);
      i.disabled = closed;
      if (closed) i.checked = false;
      i.parentNode.classList.toggle("day-closed", closed);
      note.textContent = !cell ? "" : closed ? "tidak ada jadwal" : cell.free === 0 ? "penuh, antre" : "";
      if (note.textContent) noted++;
    });
    return noted;
  }
  return { label: label, render: render, mark: mark };
})();
