"""Every `/postmortem` subcommand, collected from the modules that handle them.

Each family module declares its subcommands on their handlers (see
`bot.listeners.command_line.Family`); `FAMILIES` lists those modules in the
order `help` shows them, and the registry adds `help` itself. `build()` runs
when the Bolt app is built and raises `RegistryError` if a subcommand has no
handler, is declared twice, or lives in a module this list forgets.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable, Mapping
from pathlib import Path

from bot.listeners import command_line
from bot.listeners.command_line import (
    Command,
    Family,
    Handler,
    Invocation,
    RegistryError,
    Subcommand,
)
from bot.listeners.commands import (
    actions,
    interview,
    milestones,
    report,
    service,
    start,
    timeline,
    tracker,
)

FAMILIES: tuple[Family, ...] = (
    start.FAMILY,
    timeline.FAMILY,
    milestones.FAMILY,
    service.FAMILY,
    interview.FAMILY,
    actions.FAMILY,
    report.FAMILY,
    tracker.FAMILY,
)
HELP = "help"


class Registry:
    """The subcommands in `help`'s order, each checked to have a handler."""

    def __init__(self, families: Iterable[Family]) -> None:
        helping = Subcommand(
            HELP, HELP, "list what /postmortem can do", handler=self._help, in_ack=True
        )
        declared = [(family.module, sub) for family in families for sub in family.subcommands]
        self._known: Mapping[str, Subcommand] = _checked([*declared, (__name__, helping)])

    @property
    def subcommands(self) -> tuple[Subcommand, ...]:
        return tuple(self._known.values())

    def __getitem__(self, name: str) -> Subcommand:
        return self._known[name]

    def handler(self, name: str) -> Handler:
        handler = self._known[name].handler
        assert handler is not None  # `_checked` saw to it
        return handler

    def parse(self, text: str) -> Command:
        return command_line.parse(text, self._known)

    def help_text(self) -> str:
        return command_line.help_text(self.subcommands)

    def _help(self, invocation: Invocation) -> None:
        invocation.respond(response_type="ephemeral", text=self.help_text())


def build(families: Iterable[Family] | None = None) -> Registry:
    """The registry `/postmortem` answers from (`FAMILIES` unless told); every family in this
    package must be listed."""
    listed = tuple(FAMILIES if families is None else families)
    _check_listed(listed)
    return Registry(listed)


def _checked(declared: list[tuple[str, Subcommand]]) -> dict[str, Subcommand]:
    """The subcommands by name; `declared` pairs each with the module that declares it."""
    known: dict[str, Subcommand] = {}
    where: dict[str, str] = {}
    for module, sub in declared:
        if sub.handler is None or not callable(sub.handler):
            raise RegistryError(
                f"{module} declares `/postmortem {sub.name}` but nothing handles it: "
                "decorate its handler with `@FAMILY.subcommand(...)`"
            )
        if sub.name in known:
            raise RegistryError(
                f"`/postmortem {sub.name}` is declared twice: in {where[sub.name]} and in {module}"
            )
        if sub.name != sub.name.lower() or not sub.name.isalpha():
            raise RegistryError(f"{module}: `/postmortem {sub.name}` is not one lowercase word")
        if sub.usage.split(" ", 1)[0] != sub.name:
            raise RegistryError(
                f"{module}: the usage of `/postmortem {sub.name}` must start with it"
            )
        known[sub.name], where[sub.name] = sub, module
    return known


def _check_listed(families: tuple[Family, ...]) -> None:
    """A module here that declares subcommands but is not listed would answer "I don't know"."""
    listed = {family.module for family in families}
    for found in pkgutil.iter_modules([str(Path(__file__).parent)]):
        module = importlib.import_module(f"{__package__}.{found.name}")
        family = getattr(module, "FAMILY", None)
        if isinstance(family, Family) and family.module not in listed:
            names = ", ".join(f"`{sub.name}`" for sub in family.subcommands)
            raise RegistryError(
                f"{family.module} handles {names}, but registry.FAMILIES does not list it"
            )
