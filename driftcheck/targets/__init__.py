"""Targets: the AWS accounts and regions that one run covers.

- :mod:`.accounts`: the accounts file (``--accounts FILE``), parsed and validated offline into
  :class:`~driftcheck.targets.accounts.AccountsFile`;
- :mod:`.json_schema`: the JSON Schema of that file for editors (``accounts.schema.json`` is
  its committed output; validation never imports it).

Nothing here imports boto3 or botocore: reading the accounts file makes no API call.
"""

from driftcheck.targets.accounts import (
    Account,
    AccountsFile,
    OrganizationSource,
    load_accounts,
    parse_accounts,
)

__all__ = ["Account", "AccountsFile", "OrganizationSource", "load_accounts", "parse_accounts"]
