"""The signup Flow's Flow JSON (see domain/flows.py for its screens), and the check of Meta's
documented limits it must keep. Pure: built from domain/rules.py and domain/validation.py."""
from __future__ import annotations

from . import flows, rules, validation
from .flows import LIMITS

_STR = {"type": "string", "__example__": ""}
_BOOL = {"type": "boolean", "__example__": False}
_STRS = {"type": "array", "items": {"type": "string"}, "__example__": []}
_ITEM = {"type": "object", "properties": {"id": {"type": "string"}, "title": {"type": "string"}}}
_ITEMS = {"type": "array", "items": _ITEM, "__example__": [{"id": "x", "title": "Contoh"}]}
_DESCRIBED = {"type": "array", "items": {"type": "object", "properties": {
    "id": {"type": "string"}, "title": {"type": "string"}, "description": {"type": "string"}}},
    "__example__": [{"id": "2026-12-14", "title": "Senin, 14 Des 2026", "description": "3 kursi kosong"}]}
_TYPES = {"days": _STRS, "topics": _STRS, "org_options": _ITEMS, "is_ukm": _BOOL}


def _data(names) -> dict:
    return {name: dict(_TYPES.get(name, _STR)) for name in names}


def _carry(names, form: tuple[str, ...] = ()) -> dict:
    """A navigate/data_exchange payload: what came in (data) and what this screen asked (form)."""
    out = {name: f"${{data.{name}}}" for name in names if name not in form}
    out.update({name: f"${{form.{name}}}" for name in form})
    return out


def _footer(label: str, action: dict) -> dict:
    return {"type": "Footer", "label": label, "on-click-action": action}


def _exchange(payload: dict) -> dict:
    return {"name": "data_exchange", "payload": payload}


def _navigate(screen: str, payload: dict) -> dict:
    return {"name": "navigate", "next": {"type": "screen", "name": screen}, "payload": payload}


def _input(name: str, label: str, *, required: bool, kind: str = "text", helper: str | None = None,
           lo: int | None = None, hi: int | None = None) -> dict:
    out = {"type": "TextInput", "name": name, "label": label, "input-type": kind, "required": required}
    if helper:
        out["helper-text"] = helper
    if lo is not None:
        out["min-chars"] = lo
    if hi is not None:
        out["max-chars"] = hi
    return out


def _screen(screen_id: str, title: str, data: dict, children: list, *, terminal: bool = False) -> dict:
    out = {"id": screen_id, "title": title, "data": data,
           "layout": {"type": "SingleColumnLayout", "children": children}}
    if terminal:
        out.update({"terminal": True, "success": True})
    return out


def _layanan() -> dict:
    return _screen("LAYANAN", "Daftar konsultasi", {}, [
        {"type": "TextSubheading", "text": "Konsultasi gratis untuk koperasi dan UKM"},
        {"type": "RadioButtonsGroup", "name": "service", "label": "Layanan", "required": True,
         "data-source": flows.options(rules.SERVICES)},
        {"type": "RadioButtonsGroup", "name": "mode", "label": "Cara konsultasi", "required": True,
         "data-source": flows.options(rules.MODES)},
        _footer("Lanjut", _exchange(_carry((), ("service", "mode")))),
    ])


def _hari() -> dict:
    data = {**_data(flows.CARRY_HARI), "choice": dict(_STR), "days": dict(_DESCRIBED), "topics": dict(_ITEMS)}
    return _screen("HARI", "Tanggal dan topik", data, [
        {"type": "TextBody", "text": "${data.choice}"},
        {"type": "CheckboxGroup", "name": "days", "label": "Tanggal Anda bisa datang", "required": True,
         "min-selected-items": 1, "max-selected-items": rules.DEFAULT_RULES.max_offered_dates,
         "data-source": "${data.days}"},
        {"type": "CheckboxGroup", "name": "topics", "label": "Topik konsultasi", "required": True,
         "min-selected-items": 1, "max-selected-items": 4, "data-source": "${data.topics}"},
        _footer("Lanjut", _exchange(_carry(flows.CARRY_HARI, ("days", "topics")))),
    ])


def _data_diri() -> dict:
    data = {**_data(flows.CARRY_DATA_DIRI), "estimate": dict(_STR)}
    return _screen("DATA_DIRI", "Data diri", data, [
        {"type": "TextBody", "text": "${data.estimate}"},
        _input("name", "Nama lengkap", required=True, lo=validation.NAME_MIN, hi=validation.NAME_MAX),
        {"type": "Dropdown", "name": "kecamatan", "label": "Kecamatan", "required": True,
         "data-source": [{"id": k, "title": k} for k in rules.kecamatan_list()]},
        _input("desa", "Desa/kelurahan", required=False, hi=validation.DESA_MAX, helper="Boleh dikosongkan."),
        _input("email", "E-mail", required=False, kind="email", helper="Boleh dikosongkan; salinan jadwal dikirim ke sini."),
        _footer("Lanjut", _navigate("USAHA", _carry(flows.CARRY_DATA_DIRI, ("name", "kecamatan", "desa", "email")))),
    ])


def _usaha() -> dict:
    form = ("org_name", "org_choice", "nib", "description", "source")
    return _screen("USAHA", "Koperasi atau usaha", _data(flows.CARRY_USAHA), [
        _input("org_name", "${data.org_label}", required=True, lo=validation.ORG_MIN, hi=validation.ORG_MAX),
        {"type": "Dropdown", "name": "org_choice", "label": "${data.org_choice_label}", "required": True,
         "data-source": "${data.org_options}"},
        _input("nib", "NIB (13 angka)", required=False, kind="number", hi=13, helper="Boleh dikosongkan bila belum punya."),
        {"type": "TextArea", "name": "description", "label": "Masalah Anda", "required": True,
         "max-length": flows.DESCRIPTION_MAX,
         "helper-text": f"Ceritakan singkat, minimal {validation.DESCRIPTION_MIN} karakter."},
        {"type": "Dropdown", "name": "source", "label": "Tahu dari mana?", "required": False,
         "data-source": flows.options(rules.SOURCES)},
        _footer("Lanjut", _navigate("PERSETUJUAN", _carry(flows.CARRY_USAHA, form))),
    ])


def _persetujuan(site_url: str) -> dict:
    carried = flows.CARRY_USAHA + ("org_name", "org_choice", "nib", "description", "source")
    payload = {k: v for k, v in _carry(carried, ("consent",)).items()
               if k not in ("org_label", "org_choice_label", "org_options", "is_ukm")}
    return _screen("PERSETUJUAN", "Persetujuan", _data(carried), [
        {"type": "TextBody", "text": flows.CONSENT_TEXT},
        {"type": "EmbeddedLink", "text": "Pemberitahuan privasi",
         "on-click-action": {"name": "open_url", "url": site_url.rstrip("/") + "/privasi.html"}},
        {"type": "OptIn", "name": "consent", "label": flows.CONSENT_LABEL, "required": True},
        _footer("Kirim pendaftaran", _exchange(payload)),
    ])


def _selesai() -> dict:
    return _screen("SELESAI", "Pendaftaran diterima", {"reference": dict(_STR), "message": dict(_STR)}, [
        {"type": "TextHeading", "text": "Kode pendaftaran: ${data.reference}"},
        {"type": "TextBody", "text": "${data.message}"},
        _footer("Selesai", {"name": "complete", "payload": {"reference": "${data.reference}"}}),
    ], terminal=True)


def flow_json(site_url: str) -> dict:
    """The whole Flow JSON; `site_url` is the public site (the privacy notice's link)."""
    return {"version": flows.FLOW_JSON_VERSION, "data_api_version": flows.DATA_API_VERSION,
            "routing_model": flows.ROUTING,
            "screens": [_layanan(), _hari(), _data_diri(), _usaha(), _persetujuan(site_url), _selesai()]}


# --- Meta's limits --------------------------------------------------------------------------------

_TEXTS = ("TextHeading", "TextSubheading", "TextBody", "TextCaption")
_CHOICES = ("Dropdown", "CheckboxGroup", "RadioButtonsGroup")


def _dynamic(value: object) -> bool:
    return isinstance(value, str) and value.startswith("${")


def _component_problems(where: str, c: dict) -> list[str]:
    kind, out = c.get("type"), []

    def over(field: str, limit: int) -> None:
        value = c.get(field)
        if isinstance(value, str) and not _dynamic(value) and len(value) > limit:
            out.append(f"{where}: {kind}.{field} has {len(value)} characters (limit {limit})")

    if kind in _TEXTS:
        over("text", LIMITS[kind])
    if kind in ("TextInput", "TextArea", *_CHOICES):
        over("label", LIMITS["label"] if kind not in ("CheckboxGroup", "RadioButtonsGroup") else LIMITS["option_title"])
        over("helper-text", LIMITS["helper-text"])
    if kind in _CHOICES and isinstance(c.get("data-source"), list):
        items = c["data-source"]
        if not 1 <= len(items) <= LIMITS[f"{kind}_options"]:
            out.append(f"{where}: {kind} has {len(items)} options (1 to {LIMITS[f'{kind}_options']})")
        out += [f"{where}: option {i['id']!r} title over {LIMITS['option_title']}" for i in items
                if len(i.get("title", "")) > LIMITS["option_title"]]
    if kind == "OptIn":
        over("label", LIMITS["OptIn_label"])
    if kind == "Footer":
        over("label", LIMITS["Footer_label"])
    if kind == "EmbeddedLink":
        over("text", LIMITS["EmbeddedLink_text"])
    return out


def limit_problems(flow: dict) -> list[str]:
    """Every place the Flow JSON breaks a documented limit (empty when it keeps them all)."""
    problems = []
    for screen in flow["screens"]:
        children = screen["layout"]["children"]
        where = screen["id"]
        if len(children) > LIMITS["components_per_screen"]:
            problems.append(f"{where}: {len(children)} components")
        for kind, most in (("Footer", 1), ("OptIn", LIMITS["OptIn_per_screen"]),
                           ("EmbeddedLink", LIMITS["EmbeddedLink_per_screen"])):
            if sum(c.get("type") == kind for c in children) > most:
                problems.append(f"{where}: more than {most} {kind}")
        for c in children:
            problems += _component_problems(where, c)
    return problems


def data_problems(screen: str, data: dict) -> list[str]:
    """An endpoint answer's data for a screen against the same limits (dynamic options)."""
    problems = []
    for name, value in data.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            kind = "CheckboxGroup" if name in ("days", "topics") else "Dropdown"
            problems += _component_problems(f"{screen}.{name}", {"type": kind, "data-source": value})
            problems += [f"{screen}.{name}: description over limit" for i in value
                         if len(i.get("description", "")) > LIMITS["option_description"]]
    return problems
