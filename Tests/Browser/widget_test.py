#!/usr/bin/env python3
"""Drive the webchat widget in headless Chromium (Selenium): demo page, streamed reply,
history after a reload, unread badge, languages, and refusal on a disallowed origin.

    python3 Tests/Browser/widget_test.py --base http://127.0.0.1:8080 --key sb_widget_... \
        --other http://127.0.0.1:9090/page.html --screenshot .build/test-output/webchat-widget.png

Prints one PASS line per check and exits 0; on failure prints FAIL and exits 1; exits 2 when
Chromium, chromedriver or Selenium is missing (install them with scripts/setup).
"""
import argparse
import os
import shutil
import sys
import time


def missing(what):
    print(f"MISSING: {what} (install with scripts/setup: apt-get install chromium chromium-driver; pip install selenium)")
    sys.exit(2)


try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:
    missing("the Python selenium package")

CONSOLE = []
WAIT = 30  # generous: a loaded 2-core CI box


def driver_paths():
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    driver = shutil.which("chromedriver") or ("/usr/bin/chromedriver" if os.path.exists("/usr/bin/chromedriver") else None)
    if not browser:
        missing("chromium")
    if not driver:
        missing("chromedriver (Debian package chromium-driver)")
    return browser, driver


def start_browser():
    browser, driver = driver_paths()
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 "--window-size=1200,860", "--lang=en-US"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(executable_path=driver), options=options)


def console(browser):
    """The page's console lines (JavaScript errors included), for failure reports."""
    try:
        return "\n".join(f"  console {e['level']}: {e['message']}" for e in browser.get_log("browser"))
    except Exception:  # the driver may be gone
        return ""


class Widget:
    """The widget's shadow DOM, read through small scripts."""

    def __init__(self, browser):
        self.browser = browser

    def js(self, body, *args):
        return self.browser.execute_script(
            "var host = document.getElementById('switchboard-webchat');"
            "var s = host && host.shadowRoot; if (!s) return null;" + body, *args)

    def wait(self, what, body, *args):
        deadline = time.time() + WAIT
        while time.time() < deadline:
            value = self.js(body, *args)
            if value:
                return value
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}; page: {self.state()}")

    def state(self):
        return self.js("return {ready: s.querySelector('.root').getAttribute('data-ready'),"
                       "open: !s.querySelector('.panel').hidden, status: s.querySelector('.status').textContent,"
                       "messages: Array.from(s.querySelectorAll('.msg')).map(m => m.getAttribute('data-role') + ': ' + m.textContent)}")

    def element(self, selector):
        return self.js("return s.querySelector(arguments[0]);", selector)

    def bubbles(self, role):
        return self.js("return Array.from(s.querySelectorAll('.msg[data-role=\"' + arguments[0] + '\"]'))"
                       ".map(m => ({text: m.textContent, tokens: m.getAttribute('data-tokens'),"
                       "state: m.getAttribute('data-state'), history: m.getAttribute('data-history')}));", role)


def check(label, condition, detail=""):
    if not condition:
        raise AssertionError(f"{label} {detail}")
    print(f"PASS  {label}")


def run(args):
    browser = start_browser()
    try:
        widget = Widget(browser)
        browser.get(f"{args.base}/widget/demo?key={args.key}")
        widget.wait("the widget to load its configuration", "return s.querySelector('.root').getAttribute('data-ready') === 'true';")
        check("demo page shows the launcher with the instance's theme",
              widget.js("return getComputedStyle(s.querySelector('.launcher')).backgroundColor;") == "rgb(255, 90, 31)")
        check("page CSS does not reach the widget (shadow root)",
              widget.js("return getComputedStyle(s.querySelector('.launcher')).fontSize;") != "30px"
              and widget.js("return getComputedStyle(s.querySelector('.msg')).letterSpacing;") == "normal")

        widget.element(".launcher").click()
        widget.wait("the panel to open", "return !s.querySelector('.panel').hidden;")
        check("launcher opens a dialog with aria-expanded", widget.js(
            "return s.querySelector('.launcher').getAttribute('aria-expanded') === 'true'"
            " && s.querySelector('.panel').getAttribute('role') === 'dialog';"))
        check("focus moves to the message box", widget.js("return s.activeElement === s.querySelector('textarea');"))
        check("the theme's title and greeting show", widget.js(
            "return s.querySelector('h2').textContent === 'Acme help' && !!s.querySelector('.msg[data-role=greeting]');"))

        message = "Hello from the browser"
        widget.element("textarea").send_keys(message + Keys.ENTER)
        widget.wait("the visitor's bubble", "return !!s.querySelector('.msg[data-role=visitor]');")
        reply = widget.wait("the streamed reply to finish",
                            "var m = s.querySelector('.msg[data-role=assistant][data-state=done]');"
                            "return m && {text: m.textContent, tokens: +m.getAttribute('data-tokens')};")
        check("Enter sends and the reply streams in token by token", reply["tokens"] > 1 and "Alice" in reply["text"],
              str(reply))
        check("typing indicator is gone after the reply", widget.js("return s.querySelector('.typing').hidden;"))
        os.makedirs(os.path.dirname(os.path.abspath(args.screenshot)), exist_ok=True)
        browser.save_screenshot(args.screenshot)
        print(f"screenshot: {os.path.abspath(args.screenshot)}")

        widget.element("textarea").send_keys(Keys.ESCAPE)
        widget.wait("Escape to close the panel", "return s.querySelector('.panel').hidden;")
        check("Escape closes the panel and focus returns to the launcher",
              widget.js("return s.activeElement === s.querySelector('.launcher');"))

        browser.refresh()
        widget.wait("the widget after the reload", "return s.querySelector('.root').getAttribute('data-ready') === 'true';")
        widget.wait("the history to load", "return s.querySelectorAll('.msg[data-history]').length >= 2;")
        visitor = widget.bubbles("visitor")
        assistant = widget.bubbles("assistant")
        check("after a reload the session's history is shown",
              visitor[0]["text"] == message and assistant[0]["text"] == reply["text"], str(widget.state()))

        widget.element(".launcher").click()
        widget.wait("the panel to open again", "return !s.querySelector('.panel').hidden;")
        browser.set_network_conditions(offline=True, latency=0, download_throughput=-1, upload_throughput=-1)
        widget.element("textarea").send_keys("Are you still there?" + Keys.ENTER)
        widget.wait("the error state", "var st = s.querySelector('.status');"
                    "return !st.hidden && !s.querySelector('.retry').hidden;")
        check("offline: the message fails with an error and a Retry button", widget.js(
            "return s.querySelector('.status').getAttribute('role') === 'alert';"))
        offline_shot = args.screenshot.replace(".png", "-offline.png")
        browser.save_screenshot(offline_shot)
        print(f"screenshot: {os.path.abspath(offline_shot)}")
        browser.delete_network_conditions()
        widget.element(".retry").click()
        widget.wait("the retried message's reply",
                    "return s.querySelectorAll('.msg[data-role=assistant][data-state=done]').length === 1;")
        check("Retry sends the message again and the reply streams in",
              widget.js("return s.querySelector('.status').hidden;")
              and [b["text"] for b in widget.bubbles("visitor")].count("Are you still there?") == 1)

        widget.js("window.SwitchboardWebchat.close(); window.SwitchboardWebchat.send('A question while closed');")
        widget.wait("the unread badge", "var b = s.querySelector('.badge'); return !b.hidden && b.textContent === '1';")
        check("a reply while closed shows an unread badge", True)
        widget.element(".launcher").click()
        widget.wait("the badge to clear", "return s.querySelector('.badge').hidden;")
        check("opening the panel clears the badge", len(widget.bubbles("assistant")) == 3)

        browser.get(f"{args.base}/widget/demo?key={args.key}&lang=pt-BR")
        widget.wait("the Portuguese widget", "return s.querySelector('.root').getAttribute('data-ready') === 'true';")
        check("strings follow the page language (pt)", widget.js(
            "return s.querySelector('textarea').getAttribute('placeholder') === 'Digite sua mensagem…';"))

        browser.get(args.other)
        widget.wait("the refusal on the disallowed origin",
                    "return s.querySelector('.root').getAttribute('data-ready') === 'error';")
        check("on a disallowed origin the widget shows the unavailable state",
              widget.js("return !s.querySelector('.status').hidden;"), str(widget.state()))
        outcome = browser.execute_async_script(
            "var done = arguments[arguments.length - 1];"
            "fetch(arguments[0], {method: 'POST', headers: {'Content-Type': 'application/json'},"
            " body: JSON.stringify({message: 'sneaky'})}).then(r => done('status ' + r.status), e => done('refused'));",
            f"{args.base}/chat?key={args.key}")
        check("a chat call from the disallowed origin is refused by CORS", outcome == "refused", outcome)
    finally:
        CONSOLE.append(console(browser))
        browser.quit()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--other", required=True, help="a page on an origin not in allowed_origins")
    parser.add_argument("--screenshot", default=".build/test-output/webchat-widget.png")
    args = parser.parse_args()
    try:
        run(args)
    except AssertionError as error:
        print(f"FAIL: {error}")
        print(CONSOLE[0] if CONSOLE else "")
        sys.exit(1)
    except Exception as error:  # a driver crash is a failure too, with its reason
        print(f"FAIL: {type(error).__name__}: {error}")
        print(CONSOLE[0] if CONSOLE else "")
        sys.exit(1)
    print("ALL PASSED")


if __name__ == "__main__":
    main()
