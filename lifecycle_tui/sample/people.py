"""Sample customers: names, contact points, consent, time zone, birthday, tags.

:func:`make_person` draws one profile from the catalogue's weighted lists; the simulation
then mutates it (an unsubscribe clears a consent flag) before :meth:`Person.row` turns it
into a ``customers`` row.
"""

from __future__ import annotations

import json
import unicodedata
from datetime import date, timedelta
from random import Random

from lifecycle_tui.sample.catalogue import EMAIL_PROVIDERS, FIRST_NAMES, LAST_NAMES, TAGS, TIMEZONES
from lifecycle_tui.sample.draw import between, cumulative, weighted
from lifecycle_tui.sample.rows import iso


def _ascii(name: str) -> str:
    """Mail-box friendly form of a name: Müller -> mueller, Lefèvre -> lefevre, De Vries -> devries."""
    name = name.lower().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    name = name.replace("ø", "o").replace("ı", "i")
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded if ch.isalnum())


_FIRST_ASCII = [_ascii(n) for n in FIRST_NAMES]
_LAST_ASCII = [_ascii(n) for n in LAST_NAMES]


_PROVIDERS = [p for p, _ in EMAIL_PROVIDERS]
_PROVIDER_CUM = cumulative([w for _, w in EMAIL_PROVIDERS])
_ZONES = [z for z, _ in TIMEZONES]
_ZONE_CUM = cumulative([w for _, w in TIMEZONES])
_DIAL = {
    "Europe/Berlin": "+49", "Europe/Vienna": "+43", "Europe/Zurich": "+41", "Europe/Amsterdam": "+31",
    "Europe/Paris": "+33", "Europe/London": "+44", "Europe/Copenhagen": "+45", "Europe/Madrid": "+34",
    "America/New_York": "+1", "Asia/Tokyo": "+81", None: "+49",
}
_GERMAN_ZONES = ("Europe/Berlin", "Europe/Vienna", "Europe/Zurich", None)
_ATTRIBUTES = {lang: json.dumps({"language": lang}) for lang in ("de", "en")}


class Person:
    """A customer being simulated; ``rowid`` is their ``customers.id``."""

    __slots__ = (
        "rowid", "customer_id", "email", "email_norm", "phone", "first", "last", "birthday", "created",
        "accepts_email", "accepts_sms", "accepts_push", "push_token", "tz", "tags", "language", "updated", "fav",
    )

    def row(self) -> tuple:
        attributes = _ATTRIBUTES[self.language]
        return (
            self.rowid, self.customer_id, self.email, self.email_norm, self.phone, self.first, self.last,
            self.birthday, iso(self.created), self.accepts_email, self.accepts_sms, self.accepts_push,
            self.push_token, self.tz, self.tags, attributes, iso(self.updated),
        )


def phone_number(rng: Random, tz: str | None) -> str:
    """A mobile number in E.164 form with the country code of the customer's zone."""
    return f"{_DIAL[tz]}{between(rng, 150_000_000, 179_999_999)}"


def make_person(rng: Random, rowid: int, created: int, *, keen: bool = False) -> Person:
    """Draw a profile. ``keen`` customers (the recent-activity cast) always accept email."""
    p = Person()
    p.rowid = rowid
    p.customer_id = f"C{100000 + rowid}"
    fi = between(rng, 0, len(FIRST_NAMES))
    li = between(rng, 0, len(LAST_NAMES))
    p.first, p.last = FIRST_NAMES[fi], LAST_NAMES[li]
    f, l = _FIRST_ASCII[fi], _LAST_ASCII[li]
    style = rng.random()
    local = f"{f}.{l}" if style < 0.5 else f"{f}{l[0]}" if style < 0.7 else f"{f[0]}{l}" if style < 0.9 else f"{f}_{l}"
    provider = weighted(rng, _PROVIDERS, _PROVIDER_CUM)
    norm = f"{local}{rowid}@{provider}"
    p.email_norm = norm
    # Some people type their address with capitals; matching uses email_norm.
    p.email = norm[0].upper() + norm[1:] if rng.random() < 0.08 else norm
    p.tz = weighted(rng, _ZONES, _ZONE_CUM)
    p.language = "de" if p.tz in _GERMAN_ZONES and rng.random() < 0.9 else "en"
    has_phone = rng.random() < 0.42
    p.phone = phone_number(rng, p.tz) if has_phone else None
    p.accepts_email = 1 if keen or rng.random() < 0.73 else 0
    p.accepts_sms = 1 if has_phone and rng.random() < 0.64 else 0
    wants_push = rng.random() < 0.21
    p.accepts_push = 1 if wants_push else 0
    p.push_token = f"fcm:{rng.getrandbits(96):024x}" if wants_push else None
    if rng.random() < 0.6:
        born = date(1952, 1, 1) + timedelta(days=between(rng, 0, 365 * 53))
        # About one birthday in ten is known without a year (a "--MM-DD" form field).
        p.birthday = born.strftime("--%m-%d") if rng.random() < 0.1 else born.isoformat()
    else:
        p.birthday = None
    u = rng.random()
    chosen = [] if u < 0.55 else rng.sample(TAGS, 1) if u < 0.9 else rng.sample(TAGS, 2)
    p.tags = json.dumps(sorted(chosen))
    p.created = created
    p.updated = created
    p.fav = None
    return p
