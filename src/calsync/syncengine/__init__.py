"""The pure sync engine: snapshots, status, plan(); standard library only.

One sync run is collect -> plan -> act -> record (docs/architecture.md, One sync). This
package is the
part that decides: :func:`plan` over frozen :mod:`snapshots <.snapshots>` and a
:class:`Status`, and :func:`execute` of a plan against two :mod:`sides <.sides>`. It
imports nothing but the standard library (an import-linter contract keeps it so).
"""

from __future__ import annotations

from calsync.syncengine.actions import (
    Action,
    ArchiveLocal,
    Conflict,
    CreateLocal,
    CreateRemote,
    DeleteRemote,
    Link,
    RespondRemote,
    Skip,
    Unlink,
    UpdateLocal,
    UpdateRemote,
)
from calsync.syncengine.errors import (
    IdentityConflict,
    InvalidData,
    ItemFailed,
    ItemNotFound,
    MassDeleteRefused,
    PreconditionFailed,
    SyncError,
)
from calsync.syncengine.execute import ExecutionResult, execute
from calsync.syncengine.model import Attendee, EventData, LocalItem, Person, RemoteItem
from calsync.syncengine.notices import Notice
from calsync.syncengine.plan import ItemPlan, Plan, plan
from calsync.syncengine.policies import Policy
from calsync.syncengine.sides import LocalSide, RemoteSide
from calsync.syncengine.snapshots import LocalSnapshot, RemoteSnapshot
from calsync.syncengine.status import Status, StatusEntry

__all__ = [
    "Action",
    "ArchiveLocal",
    "Attendee",
    "Conflict",
    "CreateLocal",
    "CreateRemote",
    "DeleteRemote",
    "EventData",
    "ExecutionResult",
    "IdentityConflict",
    "InvalidData",
    "ItemFailed",
    "ItemNotFound",
    "ItemPlan",
    "Link",
    "LocalItem",
    "LocalSide",
    "LocalSnapshot",
    "MassDeleteRefused",
    "Notice",
    "Person",
    "Plan",
    "Policy",
    "PreconditionFailed",
    "RemoteItem",
    "RemoteSide",
    "RemoteSnapshot",
    "RespondRemote",
    "Skip",
    "Status",
    "StatusEntry",
    "SyncError",
    "Unlink",
    "UpdateLocal",
    "UpdateRemote",
    "execute",
    "plan",
]
