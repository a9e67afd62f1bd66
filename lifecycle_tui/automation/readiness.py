"""Is this store ready to send? The checks behind ``lifecycle check`` and the console's Settings (``c``).

Each finding says what is wrong or missing, why it matters to the shop, and how to fix it
(the command to run). Levels: ``error`` (a message would go out wrong or not at all:
broken templates, rules that cannot render, a damaged store), ``warning`` (worth fixing
before real customers get mail: the shop still called "My Shop", no postal address in
marketing footers, a pinned clock), ``info`` (how things stand: which transports are set up).
Nothing here changes the shop's data (linting may bring the derived metrics up to date, as any
render does).
"""

from __future__ import annotations

import os
import stat
from dataclasses import asdict, dataclass

from lifecycle_tui.automation.rules import list_rules, reference_problems, template_channels
from lifecycle_tui.automation.transports.smtp import PASSWORD_ENV
from lifecycle_tui.messages.lint import lint_all
from lifecycle_tui.store import settings
from lifecycle_tui.store.backup import backups_beside
from lifecycle_tui.wording import counted

LEVELS = ("error", "warning", "info")


@dataclass(frozen=True)
class Finding:
    level: str  # error | warning | info
    area: str  # shop | clock | store | templates | rules | transports | customers
    message: str
    fix: str = ""  # what to run or do; "" when there is nothing to do

    def to_json(self) -> dict:
        return asdict(self)


@dataclass
class Readiness:
    findings: list[Finding]

    @property
    def ok(self) -> bool:
        """No errors (warnings and notes may remain)."""
        return not any(f.level == "error" for f in self.findings)

    def counts(self) -> dict[str, int]:
        return {level: sum(f.level == level for f in self.findings) for level in LEVELS}

    def summary(self) -> str:
        c = self.counts()
        if not c["error"] and not c["warning"]:
            return "Ready: nothing to fix."
        return f"{counted(c['error'], 'error')}, {counted(c['warning'], 'warning')}."

    def to_json(self) -> dict:
        return {"ok": self.ok, "counts": self.counts(), "findings": [f.to_json() for f in self.findings]}


def _set(key: str, example: str) -> str:
    return f"lifecycle settings set {key} {example}"


def _shop(values: dict) -> list[Finding]:
    out = []

    def default(key: str):
        return settings.SETTINGS[key].default

    if values["shop.name"] == default("shop.name"):
        out.append(Finding("warning", "shop", "The shop is still called 'My Shop': messages are signed with it.",
                           _set("shop.name", '"Your Shop"')))
    if values["shop.url"] == default("shop.url") or _example_host(values["shop.url"].split("//")[-1]):
        out.append(Finding("warning", "shop", f"Links in messages point to {values['shop.url']}, not your shop.",
                           _set("shop.url", "https://your-shop.com")))
    sender = values["shop.sender_email"]
    if sender == default("shop.sender_email") or _example_host(sender.rpartition("@")[2]):
        out.append(Finding("warning", "shop", f"Email is sent from {sender}: replies and bounces would be lost.",
                           _set("shop.sender_email", "hello@your-shop.com")))
    if not values["shop.postal_address"].strip():
        out.append(Finding("warning", "shop", "No postal address for marketing footers: the US CAN-SPAM Act "
                           "requires one in every marketing email, and EU shops must show where they are.",
                           _set("shop.postal_address", '"Your Shop Ltd, 1 High Street, City"')))
    return out


def _example_host(host: str) -> bool:
    """A host of the reserved example names (RFC 2606), as the defaults and the sample shop use."""
    host = host.split("/")[0].split(":")[0].lower()
    return host.endswith((".example", ".test", ".invalid")) or host in ("example.com", "example.org", "example.net") \
        or host.endswith((".example.com", ".example.org", ".example.net"))


def _clock(values: dict) -> list[Finding]:
    pinned = values["clock.as_of"]
    if not pinned:
        return []
    return [Finding("warning", "clock", f"The clock is pinned at {pinned}: every plan and run is computed for "
                    "then, not now (a demo store pins the end of its history).", "lifecycle settings reset clock.as_of")]


def _store(store) -> list[Finding]:
    out = []
    result = store.conn.execute("PRAGMA quick_check").fetchone()[0]
    if result != "ok":
        out.append(Finding("error", "store", f"The store file is damaged: {result}",
                           "lifecycle restore BACKUP; without one, `sqlite3 FILE .recover` may save what is left."))
    try:
        mode = os.stat(store.path).st_mode
    except OSError:
        mode = 0
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        out.append(Finding("warning", "store", f"{store.path} can be read by other users of this machine: "
                           "it holds your customers' addresses.", f"chmod 600 {store.path}"))
    if not backups_beside(store.path):
        out.append(Finding("info", "store", "No backup beside the store yet (one kept elsewhere is not seen here).",
                           "lifecycle backup (or b in the console's Settings)"))
    if not store.conn.execute("SELECT 1 FROM customers LIMIT 1").fetchone():
        out.append(Finding("warning", "customers", "No customers yet: the rules have no one to message.",
                           "lifecycle import customers FILE (or press 8 in the console)"))
    return out


def _templates(store, as_of) -> list[Finding]:
    out = []
    for report in lint_all(store, as_of):
        errors = report.errors
        if errors:
            out.append(Finding("error", "templates", f"Template {report.template!r}: {counted(len(errors), 'error')}, "
                               f"first: {str(errors[0]).removeprefix('error: ')}", f"lifecycle templates lint {report.template}"))
    return out


def _rules(store) -> list[Finding]:
    out = []
    channels = template_channels(store)
    rules = list_rules(store)
    for rule in rules:
        if rule.enabled:
            for _step, problem in reference_problems(store, rule, channels):
                out.append(Finding("error", "rules", f"Rule {rule.name!r}: {problem}", f"lifecycle rules show {rule.name}"))
    if rules and not any(r.enabled for r in rules):
        out.append(Finding("warning", "rules", "Every rule is off: a run sends nothing.", "lifecycle rules enable NAME"))
    return out


def _transports(values: dict) -> list[Finding]:
    out = []
    smtp_set = values["smtp.host"] != settings.SETTINGS["smtp.host"].default or bool(values["smtp.user"])
    if not smtp_set:
        out.append(Finding("info", "transports", "SMTP is not set up: email goes to the outbox (files) only.",
                           _set("smtp.host", "smtp.your-provider.com") + f" (and smtp.user, ${PASSWORD_ENV})"))
    elif values["smtp.user"] and not os.environ.get(PASSWORD_ENV):
        out.append(Finding("warning", "transports", f"smtp.user is set but ${PASSWORD_ENV} is empty here: "
                           "an SMTP run would fail to log in.", f"export {PASSWORD_ENV}=..."))
    if not values["webhook.url"]:
        out.append(Finding("info", "transports", "The webhook is not set up: SMS and push go to the outbox only.",
                           _set("webhook.url", "https://your-gateway.example/hook")))
    return out


def check_readiness(store, as_of) -> Readiness:
    """Every finding for ``store`` at ``as_of`` (templates are rendered for sample customers then)."""
    values = settings.get_all(store)
    findings = [*_store(store), *_templates(store, as_of), *_rules(store), *_shop(values), *_clock(values),
                *_transports(values)]
    findings.sort(key=lambda f: LEVELS.index(f.level))  # stable: the areas keep their order within a level
    return Readiness(findings)
