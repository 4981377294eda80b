"""The Article 40 ladder (SUP-3) and the articles an institution can violate, as data.

Article 40 of the Measures names the measures "depending on the severity of the circumstances": regulatory
interview, supervision and rectification, admonition, circulated notice of criticism, disciplinary sanction
or its proposal, and, where the violation is an illegal act, transfer to judicial organs. Nothing else is a
measure of this portal: a fine or a licence withdrawal belongs to other laws and other bodies.

Each severity opens the rungs up to its own; the judicial transfer additionally needs the finding that the
act is suspected to be illegal. Several measures may be decided together (an interview and an ordered
rectification, say), each kind at most once per decision.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Measure(models.TextChoices):
    INTERVIEW = "interview", _("Regulatory interview")
    RECTIFICATION = "rectification", _("Ordered rectification with a deadline")
    ADMONITION = "admonition", _("Admonition")
    CRITICISM = "criticism", _("Circulated notice of criticism")
    DISCIPLINARY = "disciplinary", _("Disciplinary sanction or its proposal")
    JUDICIAL = "judicial", _("Transfer to judicial organs")


class Severity(models.TextChoices):
    MINOR = "minor", _("Minor")
    SERIOUS = "serious", _("Serious")
    GRAVE = "grave", _("Grave")


# The ladder in the order of Article 40; a severity allows the rungs listed for it.
LADDER: tuple[str, ...] = tuple(Measure.values)
ALLOWED_BY_SEVERITY: dict[str, tuple[str, ...]] = {
    Severity.MINOR: (Measure.INTERVIEW, Measure.RECTIFICATION, Measure.ADMONITION),
    Severity.SERIOUS: (Measure.INTERVIEW, Measure.RECTIFICATION, Measure.ADMONITION, Measure.CRITICISM,
                       Measure.DISCIPLINARY),
    Severity.GRAVE: LADDER,
}
# The credit trigger each decided measure raises (institutions app, INS-3).
CREDIT_TRIGGER: dict[str, str] = {measure: f"sanction.{measure}" for measure in LADDER}
# Measures after which a suspension of admission is proposed (INS-4), besides repeated serious violations.
PROPOSES_SUSPENSION = (Measure.JUDICIAL,)
# "Repeated serious violations": this many serious or grave decisions against one institution within the
# window (the decision at hand included) propose suspension.
REPEAT_SERIOUS_COUNT = 2
REPEAT_SERIOUS_WINDOW_DAYS = 730


def rung(measure: str) -> int:
    return LADDER.index(measure) + 1


# Articles of the Measures that bind responsible entities (M.17-M.36): what a case can hold violated.
ARTICLES: dict[str, object] = {
    "M.17": _("Art. 17: security management system, top leader responsible"),
    "M.18": _("Art. 18: classification, backup, encryption, access control"),
    "M.19": _("Art. 19: classified protection of information systems"),
    "M.20": _("Art. 20: security of products and services of providers"),
    "M.21": _("Art. 21: use of data within the approved scope"),
    "M.22": _("Art. 22: cybersecurity law duties, personal information"),
    "M.23": _("Art. 23: real-name authentication and access control"),
    "M.24": _("Art. 24: security training of personnel"),
    "M.25": _("Art. 25: security monitoring, early warning and incident reporting"),
    "M.26": _("Art. 26: admission and service rules"),
    "M.27": _("Art. 27: responsibilities of management and service entities"),
    "M.28": _("Art. 28: security management department and positions"),
    "M.29": _("Art. 29: lawful collection of data"),
    "M.30": _("Art. 30: storage, disaster recovery backup, storage in mainland China"),
    "M.31": _("Art. 31: choice of service providers"),
    "M.32": _("Art. 32: entrustment agreements and supervision"),
    "M.33": _("Art. 33: timely updating of data"),
    "M.34": _("Art. 34: transfer of data on a change of entity"),
    "M.35": _("Art. 35: disclosure of data to the public"),
    "M.36": _("Art. 36: utilisation and services"),
}
