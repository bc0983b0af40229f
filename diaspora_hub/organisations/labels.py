"""Translated names of organisation kinds, blocs and roles, for pages and exports."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from diaspora_hub.organisations.models import Bloc, OrganisationKind, Role

KIND_LABELS: dict[OrganisationKind, Any] = {
    OrganisationKind.DIASPORA: _l("Diaspora organisation"),
    OrganisationKind.GOVERNMENT: _l("Government"),
    OrganisationKind.IO: _l("International organisation"),
    OrganisationKind.CIVIL_SOCIETY: _l("Civil society"),
    OrganisationKind.PRIVATE_SECTOR: _l("Private sector"),
    OrganisationKind.ACADEMIA: _l("Academia"),
}

BLOC_LABELS: dict[Bloc, Any] = {
    Bloc.DIASPORA: _l("Diaspora"),
    Bloc.GOVERNMENT: _l("Government"),
    Bloc.IO: _l("International organisations"),
    Bloc.OTHER: _l("Other stakeholders"),
}

ROLE_LABELS: dict[Role, Any] = {
    Role.MEMBER: _l("Member"),
    Role.LIAISON: _l("Liaison"),
    Role.DELEGATE: _l("Delegate"),
    Role.ADMIN: _l("Organisation admin"),
}


def kind_label(kind: OrganisationKind | str) -> str:
    return str(KIND_LABELS[OrganisationKind(kind)])


def bloc_label(bloc: Bloc | str) -> str:
    return str(BLOC_LABELS[Bloc(bloc)])


def role_label(role: Role | str) -> str:
    return str(ROLE_LABELS[Role(role)])


def template_globals() -> dict[str, Any]:
    return {"kind_label": kind_label, "bloc_label": bloc_label, "role_label": role_label}
