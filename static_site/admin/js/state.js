/* What the page knows once a staff member is signed in, shared by every section: the sign-in
   configuration, who is signed in, the labels of the service (meta), the team lists, the section
   shown, and each section's loader. Other modules read these live bindings; only the setters here
   change them. */
import { api } from "./api.js";
import { currentWeek, todayWIB } from "./format.js";

export var config = null;
export var me = null;
export var roles = [];
export var currentView = null;
export var meta = { services: {}, modes: {}, topics: {}, coop_only_topics: [], kecamatan: [], statuses: {},
  coop_statuses: {}, sectors: {}, sources: {}, weekdays: ["Senin", "Selasa", "Rabu", "Kamis", "Jumat"],
  blocks: { koperasi: "09.00–12.00", ukm: "13.00–16.00" } };
export var consultants = [];
export var rooms = [];
/** name of a section (#/name) -> function (arg, changed) that shows it. */
export var loaders = {};

// The days every section starts from, by the server's one rule (GET /staff/meta "calendar");
// the browser's own clock only until that has arrived.
export function thisWeek() { return (meta.calendar && meta.calendar.this_week) || currentWeek(); }
export function today() { return (meta.calendar && meta.calendar.today) || todayWIB(); }
export function whatIfDay() { return (meta.calendar && meta.calendar.what_if_day) || today(); }

export function setConfig(c) { config = c; }
export function setMe(m) { me = m; roles = (m && m.roles) || []; }
export function setCurrentView(name) { currentView = name; }
export function can(role) { return roles.indexOf(role) >= 0; }

function byName(a, b) { return String(a.name).localeCompare(String(b.name), "id"); }

export function loadConsultants() {
  return api("GET", "/staff/consultants").then(function (res) {
    if (res.ok) consultants = (res.body.items || []).slice().sort(byName);
    return res;
  });
}
export function loadRooms() {
  return api("GET", "/staff/rooms").then(function (res) {
    if (res.ok) rooms = (res.body.items || []).slice().sort(byName);
    return res;
  });
}
export function consultantName(id) {
  for (var i = 0; i < consultants.length; i++) if (consultants[i].id === id) return consultants[i].name;
  return id;
}
