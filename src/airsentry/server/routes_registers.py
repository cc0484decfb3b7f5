"""Register routes: the clearances, drone permits and own forces in force, and their edits.

- ``GET /api/registers`` (any role): the entries the store holds (``?all=true``: the
  withdrawn ones too, with who withdrew them and why) and the register's version.
- ``POST /api/registers/{kind}`` (commander; ``kind`` is ``clearances``, ``permits`` or
  ``own_forces``): add an entry, in the register file's format
  (:mod:`airsentry.identify.registers`); 422 naming the faulty field, 409 when an entry
  of that reference is in force.
- ``POST /api/registers/entries/{id}/withdraw`` (commander): withdraw an entry, with a
  note; 404 when there is none, 409 when it was withdrawn already.

Why a commander: an entry admits aircraft by name, so it turns what would be a
violation into an admitted flight; that is the duty officer's authority (in air
policing the clearance is granted by the national authority and entered by the duty
officer), not an operator's. Viewers and operators read the register.

Every add and withdrawal is stored and written to the audit log together, or neither
(like decisions); a refused attempt is audited as ``denied``. The pipeline behind the
console sees the change from its next batch on
(:class:`~airsentry.incidents.register_store.RegisterWatch`), and every console is
told with a ``registers`` message.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, HTTPException, Path
from pydantic import BaseModel, Field

from airsentry.errors import InputError
from airsentry.identify.registers import KINDS
from airsentry.incidents.register_store import RegisterConflict, RegisterEntry
from airsentry.model import to_epoch
from airsentry.server.auth import Role, User
from airsentry.server.deps import Ctx, Viewer, need

router = APIRouter(prefix="/api/registers", tags=["registers"])

Commander = Annotated[User, Depends(need(Role.COMMANDER))]
Kind = Annotated[str, Path(pattern=f"^({'|'.join(KINDS)})$", description="the register list")]


class Withdrawal(BaseModel):
    note: str = Field("", max_length=2000, description="why the entry is withdrawn")


@router.get("", summary="The clearances, drone permits and own forces kept in the store")
def list_entries(ctx: Ctx, user: Viewer, all: bool = False) -> dict[str, Any]:
    reg = ctx.store.registers
    return {
        "version": reg.version(),
        "entries": [e.to_dict() for e in reg.entries(in_force_only=not all)],
    }


@router.post(
    "/{kind}",
    summary="Add a clearance, drone permit or own-force entry (commander)",
    status_code=201,
    responses={409: {"description": "an entry of that reference is in force"}},
)
def add_entry(
    kind: Kind,
    ctx: Ctx,
    user: Commander,
    entry: Annotated[dict[str, Any], Body(description="the entry, as in a register file")],
) -> dict[str, Any]:
    now = datetime.now(UTC)
    try:
        with ctx.store.transaction():
            added = ctx.store.registers.add(kind, entry, by=user.name, time=to_epoch(now))
            _audit(ctx, "register_add", added, user, now)
    except RegisterConflict as exc:
        raise HTTPException(409, exc.reason) from None
    except InputError as exc:
        raise HTTPException(422, exc.reason) from None
    return _publish(ctx, added)


@router.post(
    "/entries/{entry_id}/withdraw",
    summary="Withdraw a register entry (commander)",
    responses={404: {"description": "no such entry"}, 409: {"description": "withdrawn already"}},
)
def withdraw_entry(entry_id: int, body: Withdrawal, ctx: Ctx, user: Commander) -> dict[str, Any]:
    now = datetime.now(UTC)
    try:
        with ctx.store.transaction():
            gone = ctx.store.registers.withdraw(
                entry_id, by=user.name, time=to_epoch(now), note=body.note
            )
            _audit(ctx, "register_withdraw", gone, user, now)
    except RegisterConflict as exc:
        raise HTTPException(409, exc.reason) from None
    return _publish(ctx, gone)


def _audit(ctx: Ctx, kind: str, entry: RegisterEntry, user: User, now: datetime) -> None:
    if ctx.desk is None:  # a console without an audit log (tests of the bare API)
        return
    data = {"operator": user.name, "role": str(user.role)} | {
        k: v for k, v in entry.to_dict().items() if k not in ("added", "withdrawn")
    }
    ctx.desk.log.append(kind, data, time=now)


def _publish(ctx: Ctx, entry: RegisterEntry) -> dict[str, Any]:
    out = entry.to_dict()
    ctx.hub.publish({"type": "registers", "version": ctx.store.registers.version(), "entry": out})
    return out
