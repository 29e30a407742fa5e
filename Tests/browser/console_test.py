"""The web console in a real headless Chromium (Debian's chromium and chromium-driver), driven by
Selenium: what a person does, page by page. Run by scripts/browser-test, which starts `hub serve`
on a demo council and sets HUB, HUB_CONFIG, CONSOLE_URL and TEST_OUTPUT.

On a failure, a screenshot of every page the test visited is saved under TEST_OUTPUT."""

import json
import os
import re
import subprocess
import sys
import traceback
import unittest

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

URL = os.environ["CONSOLE_URL"]
HUB = os.environ["HUB"]
CONFIG = os.environ["HUB_CONFIG"]
OUTPUT = os.environ.get("TEST_OUTPUT", "test-output/browser")
PASSWORD = "demo-password-2026"


def hub_json(*arguments):
    """A hub command's JSON output, on the same database as the console."""
    out = subprocess.run([HUB, *arguments, "--config", CONFIG, "--json"], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def money(pence):
    sign = "-" if pence < 0 else ""
    return f"{sign}£{abs(pence) // 100:,}.{abs(pence) % 100:02d}"


class ConsoleTest(unittest.TestCase):
    def setUp(self):
        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1600"):
            options.add_argument(argument)
        self.driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        self.driver.implicitly_wait(5)
        self.shots = []

    def tearDown(self):
        failed = any(error for _, error in (self._outcome.result.errors + self._outcome.result.failures) if _ is self)
        if failed:
            os.makedirs(OUTPUT, exist_ok=True)
            for index, (title, png) in enumerate(self.shots):
                name = re.sub(r"[^a-z0-9]+", "-", f"{self._testMethodName}-{index:02d}-{title}".lower())[:120]
                with open(os.path.join(OUTPUT, name + ".png"), "wb") as handle:
                    handle.write(png)
        self.driver.quit()

    def snap(self):
        self.shots.append((self.driver.title, self.driver.get_screenshot_as_png()))

    def go(self, path):
        self.driver.get(URL + path)
        self.snap()

    def click(self, selector, by=By.CSS_SELECTOR):
        self.driver.find_element(by, selector).click()
        self.snap()

    def fill(self, field, text):
        element = self.driver.find_element(By.ID, field)
        element.clear()
        element.send_keys(text)

    def sign_in(self, name):
        self.go("/")
        self.assertIn("/signin", self.driver.current_url)
        self.fill("name", name)
        self.fill("password", PASSWORD)
        self.click("sign-in", By.ID)
        self.assertEqual(self.driver.find_element(By.ID, "signed-in-as").text, name)

    def test_1_sign_in_find_an_account_and_read_its_balance(self):
        account = hub_json("accounts", "balance")["accounts"][5]
        reference = account["account"]
        self.sign_in("demo.finance")
        self.click("Accounts", By.LINK_TEXT)
        self.fill("q", reference)
        self.click("search", By.ID)
        self.click(reference, By.LINK_TEXT)
        statement = hub_json("accounts", "statement", reference)
        self.assertEqual(self.driver.find_element(By.ID, "balance").text, money(statement["closing_balance_pence"]))
        self.click("print-view", By.ID)
        self.assertIn("print", self.driver.find_element(By.TAG_NAME, "body").get_attribute("class"))

    def test_2_allocate_a_suspense_item(self):
        item = next(i for i in hub_json("suspense", "list", "--status", "open") if i["kind"] == "cash" and i["amount_pence"] > 0)
        account = hub_json("accounts", "balance")["accounts"][3]["account"]
        self.sign_in("demo.payments")
        self.click("Payments", By.LINK_TEXT)
        self.click("The suspense queue", By.LINK_TEXT)
        self.click(str(item["id"]), By.LINK_TEXT)
        self.fill("account", account)
        self.fill("note", "the tenant rang: paid with the wrong reference")
        self.click("#allocate-form button")
        self.assertIn(f"allocated to account {account}", self.driver.page_source)
        after = next(i for i in hub_json("suspense", "list", "--status", "allocated") if i["id"] == item["id"])
        self.assertEqual(after["account"], account)

    def test_3_approve_a_held_order_as_repairs_and_fail_to_as_auditor(self):
        held = hub_json("sales-orders", "list", "--status", "held")
        self.assertTrue(held, "the demo holds sales orders")
        order = held[0]
        self.sign_in("demo.auditor")
        self.click("Repairs", By.LINK_TEXT)
        self.click(order["reference"], By.LINK_TEXT)
        self.assertEqual(self.driver.find_elements(By.ID, "approve-form"), [], "the auditor is not shown the form")
        # Posting it anyway (a form made by hand with the auditor's own token) is refused.
        self.driver.execute_script(
            """const f = document.createElement('form'); f.method = 'post'; f.action = arguments[0];
               for (const [k, v] of [['csrf', document.querySelector('input[name=csrf]').value], ['note', 'auditor tries']]) {
                 const i = document.createElement('input'); i.name = k; i.value = v; f.appendChild(i); }
               document.body.appendChild(f); f.submit();""",
            f"/repairs/{order['id']}/approve")
        self.snap()
        self.assertIn("may not do this; nothing was done", self.driver.page_source)
        self.driver.delete_all_cookies()

        self.sign_in("demo.repairs")
        self.go(f"/repairs/{order['id']}")
        self.fill("note", "checked the photographs with the surveyor")
        self.click("#approve-form button")
        self.assertIn("approved by demo.repairs", self.driver.page_source)
        self.assertEqual(hub_json("sales-orders", "show", str(order["id"]))["order"]["status"], "approved")

    def test_4_preview_and_reverse_a_run(self):
        self.sign_in("demo.finance")
        self.click("Runs", By.LINK_TEXT)
        self.click("preview-link", By.ID)
        self.driver.find_element(By.CSS_SELECTOR, "#job option[value='rent-debit']").click()
        week = subprocess.run(["date", "-d", "next monday", "+%F"], check=True, capture_output=True, text=True).stdout.strip()
        self.fill("week", week)
        self.click("#preview-form button")
        self.assertIn("PREVIEW (dry run) of rent-debit", self.driver.page_source)
        runs_before = len(hub_json("runs", "list", "--limit", "500"))

        latest = hub_json("runs", "list", "--job", "rent-debit", "--status", "completed", "--limit", "1")[0]
        self.go(f"/runs/{latest['id']}")
        self.click("reverse-link", By.ID)
        self.fill("reason", "charged the wrong week in the rehearsal")
        self.click("confirm", By.ID)
        self.click("#reverse-form button")
        self.assertIn(f"Reverses", self.driver.page_source)
        self.assertEqual(len(hub_json("runs", "list", "--limit", "500")), runs_before + 1)
        original = hub_json("runs", "show", str(latest["id"]))["run"]
        self.assertIsNotNone(original.get("reversed_by_run_id"))
        reversal = hub_json("runs", "show", str(original["reversed_by_run_id"]))["run"]
        self.assertEqual(reversal["operator"], "demo.finance")

    def test_5_approve_a_write_off_within_the_band_and_fail_to_as_auditor(self):
        proposed = hub_json("writeoffs", "list", "--status", "proposed")
        self.assertTrue(proposed, "the demo proposes a write-off")
        writeoff = proposed[0]
        size = abs(writeoff["amount_pence"])
        # The income team's bands (Config/arrears.yaml): officer up to £50, manager up to £5,000, head any.
        person = "demo.income" if size <= 5000 else "demo.manager" if size <= 500000 else "demo.head"
        self.sign_in("demo.auditor")
        self.click("Arrears", By.LINK_TEXT)
        self.click("Write-offs", By.LINK_TEXT)
        self.click(writeoff["reference"], By.LINK_TEXT)
        self.assertEqual(self.driver.find_elements(By.ID, "approve-form"), [], "the auditor is not shown the form")
        # Posting it anyway (a form made by hand with the auditor's own token) is refused.
        self.driver.execute_script(
            """const f = document.createElement('form'); f.method = 'post'; f.action = arguments[0];
               for (const [k, v] of [['csrf', document.querySelector('input[name=csrf]').value], ['note', 'auditor tries']]) {
                 const i = document.createElement('input'); i.name = k; i.value = v; f.appendChild(i); }
               document.body.appendChild(f); f.submit();""",
            f"/arrears/writeoffs/{writeoff['id']}/approve")
        self.snap()
        self.assertIn("may not do this; nothing was done", self.driver.page_source)
        self.assertEqual(next(w for w in hub_json("writeoffs", "list") if w["id"] == writeoff["id"])["status"], "proposed")
        self.driver.delete_all_cookies()

        self.sign_in(person)
        self.go("/")
        self.click("#card-writeoffs a")
        self.click(writeoff["reference"], By.LINK_TEXT)
        self.fill("note", "former tenant not traced after three searches")
        self.click("#approve-form button")
        self.assertIn(f"approved by {person}", self.driver.page_source)
        after = next(w for w in hub_json("writeoffs", "list") if w["id"] == writeoff["id"])
        self.assertEqual((after["status"], after["decided_by"]), ("approved", person))

    def test_6_make_an_arrears_agreement_from_a_case_page_and_see_it_listed(self):
        # An account in arrears with no live agreement (hub arrears list, hub arrears show).
        account = next(
            line["account"]["account"] for line in hub_json("arrears", "list")
            if not any(g["status"] == "live" for g in hub_json("arrears", "show", line["account"]["account"])["agreements"]))
        self.sign_in("demo.income")
        self.go(f"/arrears/cases/{account}")
        self.fill("amount", "7.5O")  # a letter O: refused beside the field, nothing made
        self.click("#agree-form button")
        self.assertTrue(self.driver.find_elements(By.ID, "amount-error"), "the error is beside the amount")
        self.assertEqual(self.driver.find_element(By.ID, "amount").get_attribute("value"), "7.5O", "the input is kept")
        self.assertFalse(any(g["status"] == "live" for g in hub_json("arrears", "show", account)["agreements"]))
        self.fill("amount", "7.50")
        if self.driver.find_elements(By.ID, "paid_separately"):
            self.click("paid_separately", By.ID)  # a Direct Debit payer paying by other means: the mandate is not changed
        self.click("#agree-form button")
        self.assertIn("£7.50 weekly from", self.driver.page_source)
        self.assertIn("made by demo.income", self.driver.page_source)
        self.click("Agreements", By.LINK_TEXT)
        row = next(r for r in self.driver.find_elements(By.CSS_SELECTOR, "#agreements tbody tr") if r.text.startswith(account))
        self.assertIn("£7.50", row.text)
        self.assertIn("demo.income", row.text)
        made = hub_json("arrears", "show", account)["agreements"][0]
        self.assertEqual((made["status"], made["made_by"], made["agreement"]["instalment_pence"]), ("live", "demo.income", 750))


if __name__ == "__main__":
    result = unittest.main(exit=False, verbosity=2).result
    failed = len(result.failures) + len(result.errors)
    print(f"{result.testsRun - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
