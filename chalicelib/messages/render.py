"""Rendering a message from its Jinja2 templates, in Bahasa Indonesia.

The templates live in ONE folder, ``chalicelib/templates/messages/``, and are rendered with
StrictUndefined (a missing value is an error, never an empty gap):

  ``<name>.wa.j2``     the WhatsApp template body. Only plain ``{{ variable }}`` substitutions:
                       the kind's ``params`` become the body parameters {{1}}, {{2}}, ...
  ``<name>.email.j2``  the e-mail: ``{% block subject %}`` and ``{% block text %}``; the HTML
                       part is the text laid out by ``_email.html.j2`` (paragraphs, links).
  ``_frasa.j2``        phrases used as parameter values (where, how to get there, why...).

No I/O beyond reading the template files and site.json (a copy of static_site/site.json inside
the Lambda package, kept identical by a test).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, meta, select_autoescape
from markupsafe import Markup, escape

from .. import settings
from ..domain import words
from .catalog import EMAIL, WHATSAPP, Kind, whatsapp_param

PACKAGE = Path(__file__).resolve().parent.parent
TEMPLATE_DIR = PACKAGE / "templates" / "messages"
SITE_JSON = PACKAGE / "data" / "site.json"


@lru_cache(maxsize=1)
def env() -> Environment:
    """Templates end a sentence after a name with `| titik` ("Siti Rahmawati, S.E." gets no second
    full stop)."""
    environment = Environment(
        loader=FileSystemLoader(str(TEMPLATE_DIR)),
        undefined=StrictUndefined,
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False, default=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    environment.filters["titik"] = words.ended
    return environment


@lru_cache(maxsize=1)
def documents() -> Environment:
    """The documents staff and visitors read as pages (templates/documents/): escaped HTML."""
    return Environment(loader=FileSystemLoader(str(PACKAGE / "templates" / "documents")),
                       autoescape=select_autoescape(["html", "j2"]), undefined=StrictUndefined, trim_blocks=True,
                       lstrip_blocks=True)


@lru_cache(maxsize=1)
def site() -> dict:
    return json.loads(SITE_JSON.read_text(encoding="utf-8"))


def site_context() -> dict:
    s = {**site(), **{k: v for k, v in (("contact_email", settings.contact_email()),
                                         ("contact_whatsapp", settings.contact_whatsapp())) if v}}
    return {"program": s["program"], "program_long": s["program_long"], "office": s["office"],
            "office_short": s["office_short"], "address": s["address"], "address_hint": s["address_hint"],
            "contact_whatsapp": s["contact_whatsapp"], "contact_email": s["contact_email"]}


def phrase(name: str, **values) -> str:
    """A phrase macro of _frasa.j2, as one trimmed line of text."""
    module = env().get_template("_frasa.j2").make_module(site_context())
    return " ".join(str(getattr(module, name)(**values)).split())


def _block(template, block: str, ctx: dict) -> str:
    return "".join(template.blocks[block](template.new_context(ctx))).strip()


@dataclass
class Rendered:
    kind: str
    channel: str
    text: str  # the WhatsApp text as the recipient sees it, or the e-mail's text part
    parameters: list[str] = field(default_factory=list)  # WhatsApp body parameters, in order
    subject: str | None = None
    html: str | None = None
    calendar: str | None = None  # iCalendar text (e-mail)
    calendar_method: str | None = None
    buttons: list[tuple[str, str]] = field(default_factory=list)  # (title, payload): a template's quick replies
    interactive: dict | None = None  # a free-form answer's buttons or list (WhatsApp "interactive")
    reply: bool = False  # a free-form answer (text or interactive), not a template
    reply_to: str | None = None  # an e-mail's Reply-To: the office's contact address
    flow_token: str | None = None  # a template's FLOW button: the signup Flow it opens

    def preview(self) -> dict:
        """What staff see of a sent message (stored on its record): the visitor's private status
        token is masked, since only a hash of it is ever kept; buttons by their titles only."""
        out = {"subject": self.subject, "text": mask_tokens(self.text),
               "parameters": [mask_tokens(p) for p in self.parameters] if self.parameters else None,
               "calendar": self.calendar_method}
        titles = [title for title, _ in self.buttons] or interactive_titles(self.interactive)
        if titles:
            out["buttons"] = titles
        return out


def interactive_titles(interactive: dict | None) -> list[str]:
    """The titles a visitor sees on an interactive answer: its buttons, or its list's rows."""
    if not interactive:
        return []
    action = interactive.get("action") or {}
    if "buttons" in action:
        return [b["reply"]["title"] for b in action["buttons"]]
    if interactive.get("type") == "flow":
        return [action["parameters"]["flow_cta"]]
    return [row["title"] for section in action.get("sections", []) for row in section.get("rows", [])]


_STATUS_TOKEN = re.compile(r"(status\.html#ref=[^&\s]+&t=)[A-Za-z0-9_-]+")
MASK = "\u2026"


def mask_tokens(text: str) -> str:
    return _STATUS_TOKEN.sub(lambda m: m.group(1) + MASK, text)


def render_whatsapp(kind: Kind, ctx: dict) -> Rendered:
    if kind.reply:
        return render_answer(kind, ctx)
    params = [whatsapp_param(ctx[name]) for name in kind.params]
    values = {**site_context(), **dict(zip(kind.params, params))}
    text = env().get_template(f"{kind.name}.wa.j2").render(values).strip()
    payloads = ctx.get("button_payloads") or []
    return Rendered(kind.name, WHATSAPP, text, params, buttons=list(zip(kind.buttons, payloads)),
                    flow_token=ctx.get("flow_token") if kind.flow_button else None)


# Meta's limits for an interactive message (WhatsApp Cloud API reference, "interactive object").
ANSWER_MAX = 1024  # an interactive body (a text may be 4096)
BUTTON_TITLE_MAX, BUTTONS_MAX = 20, 3
LIST_BUTTON_MAX, SECTION_TITLE_MAX, ROW_TITLE_MAX, ROW_DESCRIPTION_MAX, ROWS_MAX = 20, 24, 24, 72, 10
TEXT_MAX = 4096


def fit(text: str, limit: int) -> str:
    """`text` within `limit` characters. The builders make every value fit (a test renders them all
    with long real names); cutting here is only the last guard, and it shows, with "…"."""
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "\u2026"


def render_answer(kind: Kind, ctx: dict) -> Rendered:
    """A free-form answer: its text from the template with the whole context; buttons (at most
    3, titles of at most 20 characters) or a list (rows of at most 24 + 72 characters)."""
    text = env().get_template(f"{kind.name}.wa.j2").render({**site_context(), **ctx}).strip()
    interactive = None
    if kind.reply == "buttons":
        interactive = {"type": "button", "body": {"text": fit(text, ANSWER_MAX)}, "action": {"buttons": [
            {"type": "reply", "reply": {"id": b["id"], "title": fit(b["title"], BUTTON_TITLE_MAX)}}
            for b in ctx["buttons"][:BUTTONS_MAX]]}}
    elif kind.reply == "list":
        interactive = {"type": "list", "body": {"text": fit(text, ANSWER_MAX)}, "action": {
            "button": fit(ctx["list_button"], LIST_BUTTON_MAX),
            "sections": [{"title": fit(ctx["list_title"], SECTION_TITLE_MAX), "rows": [
                {"id": r["id"], "title": fit(r["title"], ROW_TITLE_MAX),
                 "description": fit(r["description"], ROW_DESCRIPTION_MAX)}
                for r in ctx["rows"][:ROWS_MAX]]}]}}
    elif kind.reply == "flow":
        interactive = {"type": "flow", "body": {"text": fit(text, ANSWER_MAX)},
                       "action": {"name": "flow", "parameters": ctx["flow"]}}
    return Rendered(kind.name, WHATSAPP, fit(text, TEXT_MAX), interactive=interactive, reply=True)


def render_email(kind: Kind, ctx: dict, calendar: str | None = None) -> Rendered:
    template = env().get_template(f"{kind.name}.email.j2")
    values = {**site_context(), **ctx}
    subject = " ".join(_block(template, "subject", values).split())
    text = _block(template, "text", values)
    html = env().get_template("_email.html.j2").render(
        subject=subject, body=text_to_html(text), **site_context())
    return Rendered(kind.name, EMAIL, text + "\n", subject=subject, html=html, calendar=calendar,
                    calendar_method=kind.calendar if calendar else None, reply_to=site_context()["contact_email"])


_URL = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,;:!?)]")


def text_to_html(text: str) -> Markup:
    """The e-mail's text part as HTML paragraphs: escaped, blank lines split paragraphs, line
    breaks kept, links clickable, *bold* as in WhatsApp."""
    paragraphs = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = []
        for line in block.split("\n"):
            html = ""
            last = 0
            for m in _URL.finditer(line):
                html += _inline(line[last:m.start()])
                url = escape(m.group(0))
                html += f'<a href="{url}">{url}</a>'
                last = m.end()
            html += _inline(line[last:])
            lines.append(html)
        paragraphs.append("<p>" + "<br>\n".join(lines) + "</p>")
    return Markup("\n".join(paragraphs))


def _inline(text: str) -> str:
    return re.sub(r"\*([^*\n]+)\*", r"<strong>\1</strong>", str(escape(text)))


def whatsapp_body_for_meta(kind: Kind) -> str:
    """The body as registered with Meta: parameters as {{1}}, {{2}}, ...; constants written in."""
    values = {**site_context(), **{name: "{{%d}}" % (i + 1) for i, name in enumerate(kind.params)}}
    return env().get_template(f"{kind.name}.wa.j2").render(values).strip()


def template_variables(name: str) -> set[str]:
    source = env().loader.get_source(env(), name)[0]
    return meta.find_undeclared_variables(env().parse(source))
