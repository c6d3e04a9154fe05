"""axe-core in the browser, shared by the journeys' `check_page` and the every-page sweep."""

from playwright.sync_api import Page

from tests.conftest import BASE_DIR

AXE = BASE_DIR / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING_IMPACTS = ("serious", "critical")


def serious_violations(page: Page) -> list[tuple[str, list]]:
    """Run axe-core on the page; return each serious or critical rule broken, with its nodes."""
    # Evaluated through the DevTools protocol: an injected <script> would be refused by the
    # portal's Content Security Policy, as it should be.
    page.evaluate(AXE.read_text())
    results = page.evaluate("axe.run()")
    return [
        (violation["id"], [node["target"] for node in violation["nodes"]])
        for violation in results["violations"]
        if violation["impact"] in BLOCKING_IMPACTS
    ]
