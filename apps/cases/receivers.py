"""Reactions to other apps' signals: a finding referred by an inspection opens a case (SUP-1 -> SUP-3)."""


def connect() -> None:
    from apps.inspections.signals import finding_referred

    finding_referred.connect(_open_from_finding, dispatch_uid="cases.open_from_finding")


def _open_from_finding(sender, finding, note, by, **kwargs) -> None:
    from .services.opening import case_open_from_finding

    case_open_from_finding(finding=finding, note=note, by=by)
