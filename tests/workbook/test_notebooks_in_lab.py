"""The notebooks as an economist meets them in JupyterLab: opened, nothing is marked changed; saved unedited,
the file is byte for byte what git holds, so ``git status`` stays clean.

JupyterLab runs headless on copies of notebooks/ with the workbook's kernel registered in a folder of the
test's own (``kernel.install_kernel``), and its settings, workspaces and runtime files there too; headless
Chromium opens each notebook, waits for its kernel, reads the tab's changed mark, saves with Ctrl+S and waits
for the file to be written. Needs Chromium and its driver (as tests/run/test_report_browser.py).
"""

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from dgforecast.core.config import NUMBERED_NOTEBOOKS
from dgforecast.run.kernel import install_kernel

pytestmark = [pytest.mark.browser, pytest.mark.notebooks]

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
#: Seconds for JupyterLab to answer, a kernel to become idle, a save to reach the disk.
START, IDLE, SAVED = 60, 90, 20


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab serving copies of notebooks/: (base URL with token, the folder it serves)."""
    if not CHROMIUM or not DRIVER:
        pytest.skip("headless Chromium is not installed (apt-get install chromium chromium-driver)")
    home = tmp_path_factory.mktemp("lab")
    served = home / "notebooks"
    served.mkdir()
    for path in sorted(NOTEBOOKS.glob(NUMBERED_NOTEBOOKS)):
        shutil.copy2(path, served / path.name)
    install_kernel(prefix=str(home / "prefix"))
    env = {**os.environ, "JUPYTER_PATH": str(home / "prefix" / "share" / "jupyter"),
           "JUPYTER_CONFIG_DIR": str(home / "config"), "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
           "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"), "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces")}
    port, token = _free_port(), secrets.token_hex(8)
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
               f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={served}"]
    if os.geteuid() == 0:
        command.append("--allow-root")
    with open(home / "lab.log", "wb") as log:
        server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail(f"JupyterLab did not start: {(home / 'lab.log').read_text(errors='replace')[-2000:]}")
                time.sleep(0.5)
        yield base, token, served
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--window-size=1400,1000"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    yield driver
    driver.quit()


def _kernel_state(browser):
    return browser.execute_script("const s = document.querySelector('.jp-Notebook-ExecutionIndicator');"
                                  "return s ? s.getAttribute('data-status') : null")


def _changed_tabs(browser) -> list[str]:
    from selenium.webdriver.common.by import By

    return [t.get_attribute("title").split("\n")[0] for t in browser.find_elements(By.CSS_SELECTOR, "li.lm-TabBar-tab")
            if "jp-mod-dirty" in (t.get_attribute("class") or "")]


@pytest.mark.parametrize("name", [p.name for p in sorted(NOTEBOOKS.glob(NUMBERED_NOTEBOOKS))])
def test_opening_marks_nothing_changed_and_saving_writes_the_same_bytes(lab, browser, name):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    base, token, served = lab
    path = served / name
    before, written = path.read_bytes(), path.stat().st_mtime_ns
    browser.get(f"{base}/lab/tree/{name}?token={token}&reset")
    deadline = time.monotonic() + IDLE
    while not (browser.find_elements(By.CSS_SELECTOR, ".jp-Notebook .jp-Cell") and _kernel_state(browser) == "idle"):
        assert time.monotonic() < deadline, f"{name}: the kernel did not become idle in {IDLE} s"
        time.sleep(0.5)
    time.sleep(2)  # the kernel's language_info reaches the notebook's model just after it is idle
    assert _changed_tabs(browser) == [], f"{name}: marked changed at open, before any edit"
    browser.find_elements(By.CSS_SELECTOR, ".jp-Notebook .jp-Cell")[0].click()
    ActionChains(browser).key_down(Keys.CONTROL).send_keys("s").key_up(Keys.CONTROL).perform()
    deadline = time.monotonic() + SAVED
    while path.stat().st_mtime_ns == written:
        assert time.monotonic() < deadline, f"{name}: not saved within {SAVED} s"
        time.sleep(0.2)
    time.sleep(0.5)
    assert path.read_bytes() == before, f"{name}: JupyterLab wrote back something else than git holds"
    browser.get("about:blank")
