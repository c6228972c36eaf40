"""Who is calling: the identity behind a request's access key id.

AWS knows the caller from the access key id in the SigV4 ``Authorization`` header; so does the
emulator. Each access key id maps to an :class:`Identity`: its account (whose state the call
reads and writes), its principal ARN and type (as CloudTrail's ``userIdentity`` shows them).
A key nobody registered belongs to :data:`DEFAULT_ACCOUNT` as an IAM user named after the
key, so every existing client (``AWS_ACCESS_KEY_ID=testing``) keeps working unchanged.

Keys are registered by the emulator's owner (tests: to tell two writers apart) and by STS
``AssumeRole``, which issues keys bound to the role's account, with a session token and an
expiry time. :func:`credential_problem` says when a request's credentials must be refused:
an expired key, a key issued with a session token signed without it, and the access key ids
starting ``EXPIRED`` or ``INVALID`` (a shortcut for tests), and a temporary (``ASIA``) key the
emulator did not issue. Keys are never forgotten: an expired
key must stay expired, not fall back to the default account.
"""

from __future__ import annotations

import dataclasses
import re
import threading
from dataclasses import dataclass
from enum import Enum

from driftcheck.emulator.wire import Headers

# the account of every key nobody registered (moto uses the same default)
DEFAULT_ACCOUNT = "123456789012"
# SigV4: "AWS4-HMAC-SHA256 Credential=AKID/20261129/us-east-1/ses/aws4_request, ..."
_CREDENTIAL = re.compile(r"Credential=([^/,\s]*)/")


class IdentityType:
    """CloudTrail ``userIdentity.type`` values the emulator issues."""

    IAM_USER = "IAMUser"
    ASSUMED_ROLE = "AssumedRole"
    ROOT = "Root"


@dataclass(frozen=True, slots=True)
class Identity:
    account_id: str  # 12 digits
    arn: str  # arn:aws:iam::ACCOUNT:user/NAME, arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION
    type: str  # an IdentityType value
    user_name: str  # the IAM user name; for an assumed role, the role name
    access_key_id: str
    principal_id: str = ""  # AIDA... for a user; ARO...:SESSION for an assumed role
    session_token: str = ""  # issued keys: the X-Amz-Security-Token every request must carry
    expires_at: float | None = None  # issued keys: refused from this time.time() on
    registered: bool = True  # False: a key nobody registered (a user of the default account)

    @classmethod
    def iam_user(cls, access_key_id: str, name: str, account_id: str = DEFAULT_ACCOUNT) -> Identity:
        return cls(
            account_id=account_id,
            arn=f"arn:aws:iam::{account_id}:user/{name}",
            type=IdentityType.IAM_USER,
            user_name=name,
            access_key_id=access_key_id,
            principal_id=f"AIDA{access_key_id[-12:].upper()}",
        )


class CredentialProblem(Enum):
    """Why a request's credentials are refused (each protocol words it its own way)."""

    EXPIRED = "expired"
    INVALID = "invalid"


def credential_problem(
    identity: Identity, headers: Headers, now: float
) -> CredentialProblem | None:
    """What is wrong with the credentials of a request signed by ``identity`` at ``now``."""
    key = identity.access_key_id
    expired = identity.expires_at is not None and now >= identity.expires_at
    if key.startswith("EXPIRED") or expired:
        return CredentialProblem.EXPIRED
    token = headers.get("X-Amz-Security-Token") or ""
    # ASIA: temporary keys, which only STS issues; one this emulator did not issue (left over
    # from another run) is refused rather than taken for a user of the default account
    unissued = key.startswith("ASIA") and not identity.registered
    wrong_token = bool(identity.session_token) and token != identity.session_token
    if key.startswith("INVALID") or unissued or wrong_token:
        return CredentialProblem.INVALID
    return None


def access_key_of(headers: Headers) -> str:
    """The access key id a request was signed with; "" for an unsigned request."""
    found = _CREDENTIAL.search(headers.get("Authorization") or "")
    return found.group(1) if found is not None else ""


class Identities:
    """Access key id → :class:`Identity`; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_key: dict[str, Identity] = {}

    def register(self, identity: Identity) -> None:
        with self._lock:
            self._by_key[identity.access_key_id] = identity

    def clear(self) -> None:
        with self._lock:
            self._by_key.clear()

    def of_key(self, access_key_id: str) -> Identity:
        with self._lock:
            found = self._by_key.get(access_key_id)
        if found is not None:
            return found
        unknown = Identity.iam_user(access_key_id, access_key_id or "anonymous")
        return dataclasses.replace(unknown, registered=False)

    def of(self, headers: Headers) -> Identity:
        """The identity of the request with ``headers``."""
        return self.of_key(access_key_of(headers))
