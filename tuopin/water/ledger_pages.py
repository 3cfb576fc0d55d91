"""The upload → review → confirm, history and template pages of a keyed ledger (water, jobs,
economy): the engine's views with one set of page templates, named by URL names."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.urls import reverse
from django.views.decorators.http import require_POST

from tuopin.ledger import views as ledger_views
from tuopin.ledger.app import LedgerApp

PAGE = "water/ledger_import.html"
REVIEW = "water/ledger_review.html"
HISTORY = "water/ledger_imports.html"


@dataclass(frozen=True)
class LedgerPages:
    app: LedgerApp
    prefix: (
        str  # URL names: <prefix>import, <prefix>import_confirm, <prefix>imports, <prefix>template
    )
    home: str  # URL name of the section's home page
    home_label: str

    def context(self) -> dict:
        return {
            "ledger": self.app.ledger,
            "sheet_names": "、".join(f"“{name}”" for name in self.app.ledger.sheet_names),
            "home_url": self.home,
            "home_label": self.home_label,
            "import_url": f"{self.prefix}import",
            "confirm_url": f"{self.prefix}import_confirm",
            "template_url": f"{self.prefix}template",
        }

    def views(self):
        @login_required
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
