"""Email rules and the RFC 5322 message: multipart/alternative text + HTML, unsubscribe headers.

The standard library folds header lines at 78 characters; folding a long
``List-Unsubscribe`` URL can break it in some clients, so our policy writes the two
unsubscribe headers unfolded (a line may be up to 998 characters). Date and Message-ID come
from the render inputs (``as_of`` and a dedupe key), and the MIME boundary from a digest, so
the same message always produces the same bytes.
"""

from __future__ import annotations

import hashlib
import html as htmlmod
from email import policy as email_policy
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import format_datetime, formataddr
from urllib.parse import quote

NO_FOLD = {"list-unsubscribe", "list-unsubscribe-post"}
SUBJECT_WARN = 78


class _UnfoldedUrlPolicy(EmailPolicy):
    """policy.SMTP, except that the List-Unsubscribe headers are never folded."""

    def _fold(self, name, value, refold_binary=False):  # noqa: D401 - stdlib hook
        if name.lower() in NO_FOLD:
            return f"{name}: {value}{self.linesep}"
        return super()._fold(name, value, refold_binary=refold_binary)


SMTP_POLICY = _UnfoldedUrlPolicy() + email_policy.SMTP


def ascii_url(url: str) -> str:
    """A URL safe for a header: non-ASCII and spaces percent-encoded, reserved characters kept."""
    return quote(url, safe=":/?#[]@!$&'()*+,;=%~")


def message_id(seed: str, sender_email: str) -> str:
    domain = sender_email.rsplit("@", 1)[-1] if "@" in sender_email else "lifecycle.local"
    return f"<{hashlib.sha256(seed.encode()).hexdigest()[:32]}@{domain}>"


def build_eml(*, subject: str, from_name: str, from_email: str, to_name: str | None, to_email: str | None,
              text: str, html: str, date, seed: str, unsubscribe_url: str | None, marketing: bool) -> bytes:
    """The message as bytes ready for SMTP (CRLF line ends)."""
    msg = EmailMessage(policy=SMTP_POLICY)
    msg["From"] = formataddr((from_name, from_email))
    if to_email:
        msg["To"] = formataddr((to_name or "", to_email))
    msg["Subject"] = subject
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = message_id(seed, from_email)
    if unsubscribe_url:
        msg["List-Unsubscribe"] = f"<{ascii_url(unsubscribe_url)}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg.set_content(text, cte="quoted-printable")
    msg.add_alternative(html, subtype="html", cte="quoted-printable")
    msg.set_boundary("=_lc_" + hashlib.sha256(("boundary|" + seed).encode()).hexdigest()[:28])
    return msg.as_bytes()


def check(*, subject: str, html: str, text: str, unsubscribe_url: str | None, marketing: bool,
          to_email: str | None) -> tuple[list[str], list[str]]:
    """(errors, warnings) for a rendered email."""
    errors, warnings = [], []
    if not subject.strip():
        errors.append("the subject is empty")
    elif len(subject) > SUBJECT_WARN:
        warnings.append(f"the subject is {len(subject)} characters; inboxes show about 60")
    if not text.strip():
        errors.append("the plain-text part is empty")
    if marketing and unsubscribe_url and unsubscribe_url not in html and htmlmod.escape(unsubscribe_url) not in html:
        errors.append("a marketing email must link to {{ unsubscribe_url }} in its HTML")
    if not to_email:
        warnings.append("this customer has no email address")
    return errors, warnings
