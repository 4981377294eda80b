"""Workflows are data: a table of (from, to, permission) per process, checked by the service that moves
the record. Nothing else assigns a workflow's status field."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from . import errors


@dataclass(frozen=True)
class Transition:
    source: str
    target: str
    permission: str  # "app_label.codename" the acting user needs (globally or on the object)


class Workflow:
    def __init__(self, name: str, transitions: list[Transition]):
        self.name = name
        self._by_move = {(t.source, t.target): t for t in transitions}

    def transition(self, source: str, target: str) -> Transition:
        try:
            return self._by_move[(source, target)]
        except KeyError:
            raise errors.TransitionNotAllowed(
                _("%(workflow)s: cannot go from “%(source)s” to “%(target)s”.")
                % {"workflow": self.name, "source": source, "target": target}
            ) from None

    def targets_from(self, source: str) -> list[str]:
        return [target for (src, target) in self._by_move if src == source]

    def check(self, user, obj, source: str, target: str) -> Transition:
        """Raise TransitionNotAllowed for an illegal move and PermissionDenied for a user who may not make it."""
        from . import policy

        move = self.transition(source, target)
        policy.require(user, move.permission, obj)
        return move
