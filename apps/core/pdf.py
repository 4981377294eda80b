"""The shared PDF mechanism: a Django template rendered to an A4 PDF with WeasyPrint (SUP-5, INS-4).

Every generated document (decision letters now, inspection reports later) goes through
`render_pdf`, so all of them share one page layout (templates/pdf/base.html: A4, CJK fonts, a
translatable "page x of y" footer) and are written in the portal's default language whatever the
language of the person whose action triggered them: a letter is an official act, not a page view.

Rendering takes seconds for CJK text, so callers run it in a Celery task named "pdf.*" (routed to
the pdf queue, see config/celery.py), never in a request. Electronic signatures are applied to the
bytes returned here by `apps.core.signing.sign_pdf` (pyHanko, PAdES): the catalog's and the institutions app's
decision letters are signed.
"""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext

# Fonts installed from Debian's fonts-noto-cjk (apps/core/sysdeps.py); serif reads like an official letter.
FONT_FAMILY = '"Noto Serif CJK SC", "Noto Sans CJK SC", serif'


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def page_counter_content() -> str:
    """The CSS `content` value of the footer, built from a translatable "Page x of y" sentence.

    The translation may put the numbers in any order ("第 %(page)s 页 共 %(pages)s 页"), so the
    sentence is split around its placeholders and each placeholder becomes a CSS counter."""
    sentence = gettext("Page %(page)s of %(pages)s")
    parts: list[str] = []
    rest = sentence
    while rest:
        positions = [(rest.find(marker), marker, counter) for marker, counter in
                     (("%(page)s", "counter(page)"), ("%(pages)s", "counter(pages)")) if marker in rest]
        if not positions:
            parts.append(_css_string(rest))
            break
        index, marker, counter = min(positions)
        if index:
            parts.append(_css_string(rest[:index]))
        parts.append(counter)
        rest = rest[index + len(marker):]
    return " ".join(parts)


def render_pdf(template_name: str, context: dict, *, base_url: str | None = None,
               language: str | None = None) -> bytes:
    """Render `template_name` (which should extend "pdf/base.html") to PDF bytes.

    `language` defaults to settings.LANGUAGE_CODE; `base_url` resolves relative links and images
    (defaults to the project directory, so `static/...` paths work without a web server)."""
    from weasyprint import HTML

    with translation.override(language or settings.LANGUAGE_CODE):
        html = render_to_string(template_name, {
            "pdf_font_family": FONT_FAMILY, "pdf_page_counter": page_counter_content(),
            "pdf_language": translation.get_language(), **context,
        })
    return HTML(string=html, base_url=base_url or str(settings.BASE_DIR)).write_pdf()
