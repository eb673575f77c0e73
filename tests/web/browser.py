"""A small driver for the browser tests: Debian's Chromium (headless) through chromium-driver and Selenium,
with the screenshots and the axe-core scan each page gets."""
from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

ROOT = Path(__file__).resolve().parents[2]
AXE = (Path(__file__).resolve().parent / "vendor" / "axe.min.js").read_text()
SCREENSHOTS = Path(os.environ.get("CASEOS_SCREENSHOTS", ROOT / "var" / "screenshots"))
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
PHONE = (360, 740)
DESKTOP = (1280, 900)
SERIOUS = ("serious", "critical")


def available() -> bool:
    return bool(CHROMIUM and CHROMEDRIVER)


class Browser:
    def __init__(self, base_url: str, size: tuple[int, int], label: str, downloads: Path):
        opts = webdriver.ChromeOptions()
        opts.binary_location = CHROMIUM
        for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                    "--disable-extensions", "--no-first-run", "--lang=en-US", f"--window-size={size[0]},{size[1]}"):
            opts.add_argument(arg)
        opts.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                               "download.prompt_for_download": False,
                                               "intl.accept_languages": "en-US,en"})
        opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
        self.driver.set_window_size(*size)
        self.driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow",
                                                                    "downloadPath": str(downloads)})
        self.base, self.label, self.downloads, self.size = base_url, label, downloads, size
        self.shots = SCREENSHOTS / label
        self.shots.mkdir(parents=True, exist_ok=True)
        self.violations: dict[str, list] = {}
        self.overflow: dict[str, int] = {}  # page -> CSS pixels it is wider than the window

    def close(self):
        self.driver.quit()

    # ------------------------------------------------------------------ navigation and waiting
    def go(self, path: str):
        self.driver.get(self.base + path)

    @property
    def path(self) -> str:
        return self.driver.current_url.removeprefix(self.base)

    def wait(self, predicate, timeout=20, message=""):
        def safe(d):
            try:
                return predicate(d)
            except (StaleElementReferenceException, WebDriverException):
                return False
        return WebDriverWait(self.driver, timeout, poll_frequency=0.2).until(safe, message or self.console())

    def find(self, css: str):
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def all(self, css: str):
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def wait_css(self, css: str, text: str | None = None, timeout=20):
        def found(d):
            for e in d.find_elements(By.CSS_SELECTOR, css):
                if e.is_displayed() and (text is None or text in e.text):
                    return e
            return False
        return self.wait(found, timeout, f"no visible {css!r} with {text!r} on {self.path}\n{self.console()}")

    def wait_path(self, prefix: str, timeout=20):
        self.wait(lambda d: self.path.startswith(prefix), timeout, f"still on {self.path}, wanted {prefix}")

    def type(self, css: str, value: str):
        field = self.find(css)
        field.clear()
        field.send_keys(value)

    def select(self, css: str, value: str):
        self.driver.execute_script("const s = arguments[0]; s.value = arguments[1];"
                                   "s.dispatchEvent(new Event('change', {bubbles: true}));", self.find(css), value)

    def click(self, css: str, text: str | None = None):
        target = self.wait_css(css, text)
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", target)
        target.click()
        return target

    def console(self) -> str:
        try:
            return "\n".join(f"{e['level']}: {e['message']}" for e in self.driver.get_log("browser"))
        except WebDriverException:
            return ""

    # ------------------------------------------------------------------ what a person would look at
    def screenshot(self, name: str) -> Path:
        """The whole page: the window grows to the page's height for the picture, then goes back."""
        path = self.shots / f"{name}.png"
        self.driver.execute_script("window.scrollTo(0, 0)")
        height = self.driver.execute_script("return document.documentElement.scrollHeight")
        self.driver.set_window_size(self.size[0], min(max(height, self.size[1]), 6000))
        self.driver.save_screenshot(str(path))
        self.driver.set_window_size(*self.size)
        return path

    def horizontal_overflow(self) -> int:
        """How many CSS pixels the page is wider than the window (0: nothing to scroll sideways)."""
        return self.driver.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth")

    def axe(self, name: str) -> list[dict]:
        """Run axe-core's WCAG 2.1 A/AA rules on the page; keep and return the serious or critical violations."""
        self.driver.execute_script(AXE)
        result = self.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
            ".then(r => done(JSON.stringify(r.violations))).catch(e => done(JSON.stringify([{id: 'axe-error',"
            "impact: 'critical', help: String(e), nodes: []}])));")
        bad = [v for v in json.loads(result) if v.get("impact") in SERIOUS]
        self.violations[name] = [{"id": v["id"], "impact": v["impact"], "help": v["help"],
                                  "nodes": [n.get("target") for n in v.get("nodes", [])][:5]} for v in bad]
        return self.violations[name]

    def look(self, name: str, part: str | None = None):
        """Screenshot (of the whole page, or of one part of it) and accessibility scan of the page as it is now."""
        self.overflow[name] = self.horizontal_overflow()
        if part:
            self.find(part).screenshot(str(self.shots / f"{name}.png"))
        else:
            self.screenshot(name)
        self.axe(name)

    def wait_download(self, suffix: str, timeout=30) -> Path:
        deadline = time.time() + timeout
        while time.time() < deadline:
            done = [p for p in self.downloads.iterdir() if p.name.endswith(suffix)]
            if done:
                return done[0]
            time.sleep(0.2)
        raise AssertionError(f"no *{suffix} downloaded into {self.downloads}: {list(self.downloads.iterdir())}")
