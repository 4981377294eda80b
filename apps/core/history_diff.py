"""Turn simple-history rows into "field: old → new" entries for the reusable history page."""

from dataclasses import dataclass, field


@dataclass
class HistoryEntry:
    when: object
    who: object
    kind: str
    reason: str
    changes: list = field(default_factory=list)


def _display(model, name, value):
    try:
        model_field = model._meta.get_field(name)
    except Exception:
        return value
    if model_field.choices:
        return dict(model_field.flatchoices).get(value, value)
    if value in (None, ""):
        return "—"
    return value


def history_entries(obj, limit: int = 200) -> list[HistoryEntry]:
    records = list(obj.history.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1])
    model = type(obj)
    entries = []
    for index, record in enumerate(records[:limit]):
        previous = records[index + 1] if index + 1 < len(records) else None
        changes = []
        if previous is not None:
            delta = record.diff_against(previous)
            for change in delta.changes:
                verbose = str(model._meta.get_field(change.field).verbose_name)
                changes.append((verbose, _display(model, change.field, change.old),
                                _display(model, change.field, change.new)))
        entries.append(HistoryEntry(
            when=record.history_date, who=record.history_user, kind=record.get_history_type_display(),
            reason=record.history_change_reason or "", changes=changes,
        ))
    return entries
