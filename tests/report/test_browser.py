"""The report pages in headless Chromium, served by a real gunicorn on localhost.

Needs Debian's chromium and chromium-driver (``scripts/ci/install_chromium.sh``).
Without them the module is skipped, except when ``CI`` is set, where it fails.
Screenshots go to test-artifacts/ (git-ignored).
"""

from __future__ import annotations

import json
import os
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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
API_KEY = "browser-key-0123456789abcdef"
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
# Seconds between updates of the live run page under test.
LIVE_REFRESH_S = 1


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
def keyed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    require_chromium()
    running = start_server(
        tmp_path_factory.mktemp("gunicorn-keyed"), env={"DIAGNOSE_API_KEYS": API_KEY}
    )
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


def call_api(
    server: Server, method: str, path: str, body: Any = None, key: str | None = None
) -> Any:
    """Send a JSON request to the server and return the decoded JSON response."""
    data = None if body is None else json.dumps(body).encode("utf-8")
    headers = {"Content-Type": "application/json"}
    if key is not None:
        headers["X-API-Key"] = key
    request = urllib.request.Request(
        server.url + path, data=data, method=method, headers=headers
    )
    with urllib.request.urlopen(request, timeout=PAGE_TIMEOUT_S) as response:
        content = response.read()
    return json.loads(content) if content else None


def page_value(browser: WebDriver, element_id: str) -> str:
    """Read an element's text in one script call, which a swap cannot interrupt."""
    text: str = browser.execute_script(
        "const node = document.getElementById(arguments[0]);"
        "return node ? node.textContent.trim() : '';",
        element_id,
    )
    return text


def wait_for_value(browser: WebDriver, element_id: str, expected: str) -> None:
    WebDriverWait(browser, PAGE_TIMEOUT_S).until(
        lambda driver: page_value(driver, element_id) == expected,
        f"#{element_id} never showed {expected!r}",
    )


def test_live_run_page_follows_epochs(browser: WebDriver, server: Server) -> None:
    history = request_body(OVERFIT)["history"]
    n_epochs = len(history["loss"])
    epochs = [
        {
            "epoch": index + 1,
            **{name: values[index] for name, values in history.items()},
        }
        for index in range(n_epochs)
    ]
    run = call_api(server, "POST", "/v1/runs", {"name": "live-mlp"})
    call_api(server, "POST", f"/v1/runs/{run['id']}/epochs", {"epochs": epochs[:2]})
    set_viewport(browser, DESKTOP_WIDTH)
    severe_console_messages(browser)  # Drop the messages of earlier tests.
    browser.get(f"{server.url}/runs/{run['id']}?refresh={LIVE_REFRESH_S}")
    wait_for(browser, "#n-epochs")
    assert page_value(browser, "n-epochs") == "2"
    assert page_value(browser, "status") == "insufficient_data"

    # A reload would drop this variable, but the script swaps the report in place.
    browser.execute_script("window.liveRunMarker = 'same page';")
    call_api(server, "POST", f"/v1/runs/{run['id']}/epochs", {"epochs": epochs[2:5]})
    wait_for_value(browser, "n-epochs", "5")
    wait_for(browser, "#plot")
    # The keyboard focus stays on the plot while the report is swapped again.
    browser.execute_script("document.querySelector('.plot-scroll').focus();")
    call_api(server, "POST", f"/v1/runs/{run['id']}/epochs", {"epochs": epochs[5:]})
    wait_for_value(browser, "n-epochs", str(n_epochs))
    focused_class = browser.switch_to.active_element.get_attribute("class")
    plot_width = browser.execute_script(
        "const plot = document.getElementById('plot');"
        "return plot.complete ? plot.naturalWidth : 0;"
    )
    assert browser.execute_script("return window.liveRunMarker") == "same page"
    assert focused_class == "plot-scroll"
    assert page_value(browser, "status") == "overfitting"
    assert page_value(browser, "refresh-status").startswith("Updated at ")
    assert browser.title == "overfitting: live-mlp - diagnose-api"
    assert plot_width > 0
    assert severe_console_messages(browser) == []
    save_full_page(browser, DESKTOP_WIDTH, ARTIFACTS / "live-run.png")

    save_full_page(browser, PHONE_WIDTH, ARTIFACTS / "live-run-375.png")
    page_width = browser.execute_script("return document.documentElement.scrollWidth")
    assert page_width <= PHONE_WIDTH, "the live run page scrolls sideways at 375 px"

    call_api(server, "DELETE", f"/v1/runs/{run['id']}")
    WebDriverWait(browser, PAGE_TIMEOUT_S).until(
        lambda driver: "deleted" in page_value(driver, "refresh-status"),
        "the page never reported the deleted run",
    )
    assert page_value(browser, "status") == "overfitting"
    assert browser.execute_script("return window.liveRunMarker") == "same page"


def test_live_run_updates_stopped_by_keyboard(
    browser: WebDriver, server: Server
) -> None:
    run = call_api(server, "POST", "/v1/runs", {"name": "keyboard"})
    set_viewport(browser, DESKTOP_WIDTH)
    browser.get(f"{server.url}/runs/{run['id']}")
    wait_for(browser, "#refresh-link")
    focused = []
    for _ in range(MAX_TABS):
        ActionChains(browser).send_keys(Keys.TAB).perform()
        focused.append(browser.switch_to.active_element.get_attribute("id") or "")
        if focused[-1] == "refresh-link":
            break
    assert "refresh-link" in focused, f"Tab never reached the link: {focused}"

    ActionChains(browser).send_keys(Keys.ENTER).perform()
    WebDriverWait(browser, PAGE_TIMEOUT_S).until(
        lambda driver: "Updates are off" in page_value(driver, "refresh-status"),
        "Enter on the link did not turn updates off",
    )
    assert browser.current_url.endswith("?refresh=0")
    assert browser.find_elements(By.CSS_SELECTOR, "script") == []


def test_keyed_live_run_page_updates(browser: WebDriver, keyed_server: Server) -> None:
    history = request_body(OVERFIT)["history"]
    epochs = [
        {
            "epoch": index + 1,
            **{name: values[index] for name, values in history.items()},
        }
        for index in range(len(history["loss"]))
    ]
    run = call_api(keyed_server, "POST", "/v1/runs", {"name": "keyed"}, API_KEY)
    path = f"/runs/{run['id']}?refresh={LIVE_REFRESH_S}"
    set_viewport(browser, DESKTOP_WIDTH)
    # Credentials in the address are Basic credentials, which Chromium then
    # sends with the page's own requests for its live part too.
    browser.get(keyed_server.url.replace("://", f"://user:{API_KEY}@") + path)
    wait_for(browser, "#n-epochs")
    assert page_value(browser, "n-epochs") == "0"
    call_api(
        keyed_server,
        "POST",
        f"/v1/runs/{run['id']}/epochs",
        {"epochs": epochs},
        API_KEY,
    )
    wait_for_value(browser, "n-epochs", str(len(epochs)))
    assert page_value(browser, "status") == "overfitting"
