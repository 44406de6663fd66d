"""The dashboard's pages, in the order of the sidebar: app.py builds the navigation from this list, and
the tests, the browser load test and the README's page table are checked against it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    script: str  # the page's file, from the project folder
    title: str
    icon: str

    @property
    def url_path(self) -> str:
        """Where Streamlit serves it: the file's name ('' for the start page, the first)."""
        return "" if self is PAGES[0] else self.script.rsplit("/", 1)[-1].removesuffix(".py")


# The pages live in app_pages/, not pages/: Streamlit serves a folder named pages/ on its own as well, and a
# link to a page opened on a freshly started server then ran it without app.py (no filters).
PAGES = (
    Page("app_pages/overview.py", "Overview", ":material/dashboard:"),
    Page("app_pages/what_changed.py", "What changed", ":material/trending_up:"),
    Page("app_pages/payers.py", "Payers", ":material/account_balance:"),
    Page("app_pages/modifiers.py", "Modifiers", ":material/label:"),
    Page("app_pages/site_of_care.py", "Site of care", ":material/location_on:"),
    Page("app_pages/reasons.py", "Reasons", ":material/help:"),
    Page("app_pages/codes.py", "Codes", ":material/medication:"),
    Page("app_pages/monthly_review.py", "Monthly review", ":material/event_note:"),
    Page("app_pages/worklist.py", "Worklist", ":material/checklist:"),
    Page("app_pages/prevention.py", "Prevention", ":material/shield:"),
    Page("app_pages/claims.py", "Claims", ":material/search:"),
    Page("app_pages/data.py", "Data", ":material/upload_file:"),
)


def by_title(title: str) -> Page:
    return next(page for page in PAGES if page.title == title)
