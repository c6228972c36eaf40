"""The desired state: YAML specs in, one validated :class:`~driftcheck.model.DesiredState` out.

The modules, in the order data flows through them:

- :mod:`.loader`: files and directories; the public :func:`load_specs` and :func:`spec_files`;
- :mod:`.yaml_loader`: safe YAML into a small tree with line and column marks;
- :mod:`.document`: the top level of a spec file (version, api, region(s), accounts, vars),
  then its sets, read per (account, region);
- :mod:`.definition`: one event destination, checked against botocore's service model;
- :mod:`.ignore_changes`: a destination's ``IgnoreChanges`` paths, checked against the model;
- :mod:`.variables`: ``${name}``, ``${env:NAME}`` and ``$${``;
- :mod:`.checker`: problem reporting shared by the checks.

Decisions worth knowing (each documented in its module):

- YAML merge keys (``<<: *defaults``) are supported; aliases may expand to at most
  1,000,000 nodes per file; duplicate keys, unsafe tags and several documents are problems.
- A destination's ``Name`` member is tolerated when it equals its key (pasted live JSON).
- ``vars`` values are used as written: no interpolation inside them.
- A directory gives its ``*.yaml``/``*.yml`` files (any case), recursively, sorted, through
  symbolic links (each real directory once), hidden ones skipped; a path that cannot be
  searched or read (unreadable, a link loop, a FIFO or device in a directory) is a problem,
  never skipped.
- The same configuration set declared through both APIs (same account and region) is a
  problem: both APIs act on the same SES configuration set.
- With an accounts file (``load_specs(..., fleet=...)``), a file declares its sets in each
  account of its ``accounts`` (default ``"*"``: the whole fleet; names refer to the file's
  ``accounts:``, so organization accounts are reached through ``"*"`` only) and in its
  ``region``/``regions``, which win over the account's regions (intersecting them would skip
  a region the spec names: a false "in sync"); without either, in the account's regions.
- Variables, lowest first: the spec's ``vars``, the account's ``vars``, ``--var``; the
  built-ins ``${account_id}``, ``${account}`` and ``${region}`` cannot be redefined under
  ``--accounts`` (without an accounts file they stay ordinary names, a spec's own value
  winning: specs written before the built-ins plan as they did). A file's
  top level is read once, its sets once per distinct values of the variables they use.

Nothing here imports boto3, botocore or deepdiff: ``driftcheck validate`` stays offline and fast.
:mod:`.json_schema` (never imported by validation) builds the JSON Schema of specs for editors
from the same model and rules; ``schema.json`` is its committed output.
"""

from driftcheck.desired.loader import load_specs, spec_files

__all__ = ["load_specs", "spec_files"]
