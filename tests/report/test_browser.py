"""The report page in headless Chromium, served by a real gunicorn on localhost.

Needs Debian's chromium and chromium-driver (``scripts/ci/install_chromium.sh``).
Without them the module is skipped, except when ``CI`` is set, where it fails.
Screenshots go to test-artifacts/ (git-ignored).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.wait import WebDriverWait

from histories import request_body
from report_data import OVERFIT
from server import ROOT
from server import Server
from server import start_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
DESKTOP_WIDTH = 1200
PHONE_WIDTH = 375
# Generous: the first plot in a fresh gunicorn worker imports matplotlib, and
# on a new machine matplotlib builds its font cache first.
PAGE_TIMEOUT_S = 60
MAX_TABS = 20


def require_chromium() -> None:
    """Skip without Chromium locally; fail under CI, where it must be installed."""
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.exists()]
    if not missing:
        return
    reason = (
        f"{' and '.join(missing)} not found; install them with "
        "`bash scripts/ci/install_chromium.sh`"
    )
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    require_chromium()
    running = start_server(tmp_path_factory.mktemp("gunicorn"))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    require_chromium()
    options = webdriver.ChromeOptions()
    # With both paths given, Selenium Manager neither looks up nor downloads
    # a browser or a driver.
    options.binary_location = str(CHROMIUM)
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    profile = tmp_path_factory.mktemp("chromium-profile")
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument(f"--window-size={DESKTOP_WIDTH},900")
    # Keep console messages, where Chromium reports blocked or missing resources.
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(PAGE_TIMEOUT_S)
    yield driver
    driver.quit()


def wait_for(browser: WebDriver, css_selector: str) -> None:
    WebDriverWait(browser, PAGE_TIMEOUT_S).until(
        expected_conditions.presence_of_element_located((By.CSS_SELECTOR, css_selector))
    )


def severe_console_messages(browser: WebDriver) -> list[str]:
    """Console errors since the last call: a blocked or missing resource shows here."""
    entries = browser.get_log("browser")
    return [entry["message"] for entry in entries if entry["level"] == "SEVERE"]


def set_viewport(browser: WebDriver, width: int, height: int = 900) -> None:
    """Set the page's viewport exactly; a phone width is emulated as mobile."""
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {
            "width": width,
            "height": height,
            "deviceScaleFactor": 1,
            "mobile": width <= PHONE_WIDTH,
        },
    )


def save_full_page(browser: WebDriver, width: int, path: Path) -> None:
    """Save a PNG of the whole page laid out ``width`` CSS pixels wide."""
    set_viewport(browser, width)
    height = browser.execute_script("return document.documentElement.scrollHeight")
    set_viewport(browser, width, int(height))
    path.parent.mkdir(exist_ok=True)
    assert browser.save_screenshot(str(path))
    set_viewport(browser, width)


def test_uploaded_history_reported(
    browser: WebDriver, server: Server, tmp_path: Path
) -> None:
    history_file = tmp_path / "history.json"
    history_file.write_text(json.dumps(request_body(OVERFIT)["history"]))
    set_viewport(browser, DESKTOP_WIDTH)
    browser.get(server.url + "/")
    browser.find_element(By.ID, "history_file").send_keys(str(history_file))
    browser.find_element(By.ID, "submit").click()
    wait_for(browser, "#status")

    codes = [
        node.text for node in browser.find_elements(By.CSS_SELECTOR, ".finding-code")
    ]
    plot_width = browser.execute_script(
        "const plot = document.getElementById('plot');"
        "return plot.complete ? plot.naturalWidth : 0;"
    )
    assert browser.find_element(By.ID, "status").text == "overfitting"
    assert "val_loss_rising" in codes
    assert severe_console_messages(browser) == []
    assert plot_width > 0
    alt = browser.find_element(By.ID, "plot").get_attribute("alt") or ""
    assert "best epoch 3" in alt
    save_full_page(browser, DESKTOP_WIDTH, ARTIFACTS / "report.png")

    save_full_page(browser, PHONE_WIDTH, ARTIFACTS / "report-375.png")
    page_width = browser.execute_script("return document.documentElement.scrollWidth")
    assert page_width <= PHONE_WIDTH, "the page scrolls sideways at 375 px"


def test_tab_reaches_submit_and_enter_submits(
    browser: WebDriver, server: Server
) -> None:
    set_viewport(browser, DESKTOP_WIDTH)
    browser.get(server.url + "/")
    focused = []
    for _ in range(MAX_TABS):
        ActionChains(browser).send_keys(Keys.TAB).perform()
        focused.append(browser.switch_to.active_element.get_attribute("id") or "")
        if focused[-1] == "submit":
            break
    assert "submit" in focused, f"Tab never reached the submit button: {focused}"
    assert focused.index("history_text") < focused.index("history_file")

    ActionChains(browser).send_keys(Keys.ENTER).perform()
    wait_for(browser, ".error-summary")
    summary = browser.find_element(By.CSS_SELECTOR, ".error-summary").text
    assert "history_text: Paste a history or choose a file" in summary


def test_pasted_invalid_history_shows_field_path(
    browser: WebDriver, server: Server
) -> None:
    set_viewport(browser, DESKTOP_WIDTH)
    browser.get(server.url + "/")
    browser.find_element(By.ID, "history_text").send_keys('{"loss": [1, "x", 2]}')
    browser.find_element(By.ID, "submit").click()
    wait_for(browser, ".error-summary")
    summary = browser.find_element(By.CSS_SELECTOR, ".error-summary").text
    textarea = browser.find_element(By.ID, "history_text")
    assert "history.loss[1]: Expected a number" in summary
    assert textarea.get_attribute("value") == '{"loss": [1, "x", 2]}'
    assert textarea.get_attribute("aria-invalid") == "true"
