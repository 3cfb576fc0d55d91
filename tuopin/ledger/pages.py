"""A ledger's web pages — upload → review → confirm, the import history and the template — from
its :class:`LedgerApp` and four URL names: the engine's views with one set of page templates
(``ledger/import.html``, ``ledger/review.html``, ``ledger/imports.html``)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from tuopin.ledger import views as ledger_views
from tuopin.ledger.app import LedgerApp

PAGE = "ledger/import.html"
REVIEW = "ledger/review.html"
HISTORY = "ledger/imports.html"


@dataclass(frozen=True)
class LedgerPages:
    app: LedgerApp
    prefix: (
        str  # URL names: <prefix>import, <prefix>import_confirm, <prefix>imports, <prefix>template
    )
    home: str  # URL name of the section's home page
    home_label: str
    note: str = ""  # one sentence on the upload page, e.g. what an import leaves alone
    tiles: tuple[tuple[str, str, str], ...] = ()  # review tiles: (count key, label, css class)
    head: str = ""  # a template included in the page head (the section's stylesheet)

    def context(self) -> dict:
        return {
            "ledger": self.app.ledger,
            "sheet_names": "、".join(f"“{name}”" for name in self.app.ledger.sheet_names),
            "home_url": self.home,
            "home_label": self.home_label,
            "note": self.note,
            "tiles": self.tiles,
            "head_template": self.head,
            "import_url": f"{self.prefix}import",
            "confirm_url": f"{self.prefix}import_confirm",
            "template_url": f"{self.prefix}template",
        }

    def views(self):
        @login_required
        @require_http_methods(["GET", "POST"])
        def upload(request):
            return ledger_views.upload(
                request, self.app, page=PAGE, review=REVIEW, context=self.context()
            )

        @login_required
        @require_POST
        def confirm(request):
            return ledger_views.confirm(
                request,
                self.app,
                review=REVIEW,
                context=self.context(),
                again=reverse(f"{self.prefix}import"),
                done=reverse(f"{self.prefix}imports"),
            )

        @login_required
        def history(request):
            return ledger_views.history(request, self.app, page=HISTORY, context=self.context())

        @login_required
        def template(request):
            return ledger_views.template(self.app)

        return upload, confirm, history, template
