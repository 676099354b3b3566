"""CrossGuard entry point: ``pulumi preview --policy-pack policies`` runs this file as the
pack (the only place the PolicyPack is constructed: it starts the analyzer server)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repo, for `policies`

from pulumi_policy import PolicyPack

from policies import PACK_NAME, POLICIES

PolicyPack(name=PACK_NAME, policies=POLICIES)
