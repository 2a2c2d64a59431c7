"""The HTML pages the deliverables write (the wave report, and the pages beside it) come from Jinja2 templates
in `templates/`, one per page kind, sharing one style sheet (`templates/style.css`) and these filters.

Autoescaping is on: a value printed without a filter is escaped. The filters format numbers the way every
page shows them and return markup that is already escaped: `num` (a dash for a missing value; whole
floats without `.0`; `num(1)` one decimal), `attr` (an attribute value; empty when missing) and `text`."""

from __future__ import annotations

import html
from functools import cache
from pathlib import Path

import pandas as pd
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

TEMPLATES = Path(__file__).parent / "templates"


def _missing(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value))


def num(value, decimals: int | None = None) -> Markup:
    if _missing(value):
        return Markup("–")
    if decimals is not None:
        return Markup(f"{float(value):.{decimals}f}")
    if isinstance(value, float) and value.is_integer():
        return Markup(str(int(value)))
    return Markup(html.escape(str(value)))


def attr(value) -> Markup:
    return Markup("" if value is None or pd.isna(value) else html.escape(str(value)))


def text(value) -> Markup:
    return Markup(html.escape(str(value)))


@cache
def page_environment() -> Environment:
    """The templates with the shared filters; `trim_blocks`/`lstrip_blocks` so block tags on lines of their
    own leave no blank lines in the page."""
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters.update(num=num, attr=attr, text=text)
    return environment


def render_page(template: str, **context) -> str:
    return page_environment().get_template(template).render(**context)
