/* Leave over booked sessions (services/leave.py): what it will do with each, shown before it is
   saved, and what it did. Used by Jadwal piket (Cuti) and Sesi ("Berhalangan? Batalkan hari ini"). */
import { clear, el } from "./dom.js";

// The question: who and when, then each booked session and where it goes.
export function showLeavePlan(box, who, affected) {
  clear(box);
  if (!affected.length) {
    box.appendChild(el("p", { text: who + ": tidak ada sesi terjadwal. Konsultan dicatat cuti pada hari itu. Lanjutkan?" }));
    return;
  }
  box.appendChild(el("p", { text: who + ": " + affected.length + " sesi terjadwal. Setelah cuti disimpan:" }));
  var ul = el("ul", { className: "plain leave-plan" });
  affected.forEach(function (a) {
    ul.appendChild(el("li", { text: a.time + " " + (a.name || "pengunjung") + ": " + a.plan }));
  });
  box.appendChild(ul);
  box.appendChild(el("p", { text: "Pengunjung diberi tahu lewat WhatsApp. Lanjutkan?" }));
}

// What it did, in one sentence.
export function leaveOutcome(body) {
  var moved = (body.moved || []).length, back = (body.requeued || []).length;
  if (!moved && !back) return "tidak ada sesi yang perlu dipindah.";
  var parts = [];
  if (moved) parts.push(moved + " sesi dipindah ke rekan");
  if (back) parts.push(back + " sesi kembali ke antrean di urutan semula");
  return parts.join(", ") + "; pengunjung diberi tahu.";
}
