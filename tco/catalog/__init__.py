"""The price catalog and cost assumptions of the TCO engine: shipped data plus a strict loader.

The data ships beside this package, in ``tco/`` (package data, read through
``Path(__file__).parent.parent`` in :mod:`tco.catalog.loading`):

* ``prices/aws-<region>.yaml``: AWS prices for one region (instances, EKS, NAT, EBS, S3,
  CloudWatch Logs, data transfer, Spot and Savings Plan factors, MSK brokers and storage,
  ElastiCache for Valkey nodes);
* ``assumptions/defaults.yaml``: the non-price assumptions (people, software, R&D,
  operations, utilisation, discount rate, horizon, on-prem facility and power);
* ``assumptions/hardware.yaml``: the on-prem server equivalent of each cloud instance type.

Every number carries ``as_of`` (date observed), ``source`` and ``confidence`` (V verified
against the publisher, S secondary source, U unverified estimate, A stated assumption); the
loaded objects keep them, and ``cite()`` says where a number came from.

A user file overlays a shipped one (``--prices FILE`` for prices): the same schema, any subset
of keys. Sections merge key by key down to the entries; an entry (anything with a ``source``)
is replaced whole, so an override must carry its own ``as_of``, ``source`` and
``confidence`` - a user's number never borrows the shipped source. A user price file may
name its ``region`` (it then applies only to that region, which need not be shipped) or omit
it (it then applies to every region loaded with it).

Everything is validated with pydantic (unknown keys rejected, prices > 0, factors in (0, 1]);
any problem is one :class:`PriceError` line naming the field path and the fix. This package is
pure: no Pulumi, no network.
"""

from tco.catalog.loading import (
    ASSUMPTIONS_FILE,
    DATA_DIR,
    HARDWARE_FILE,
    PRICES_DIR,
    M,
    load_assumptions,
    load_hardware,
    load_region,
    server_for,
    shipped_regions,
)
from tco.catalog.records import (
    Assumed,
    Assumptions,
    Confidence,
    HardwareCatalog,
    OnPremAssumptions,
    Price,
    PriceError,
    RegionPrices,
    ServerSpec,
    V,
)
from tco.catalog.schema import Fraction, Positive

__all__ = [
    "ASSUMPTIONS_FILE",
    "DATA_DIR",
    "HARDWARE_FILE",
    "PRICES_DIR",
    "Assumed",
    "Assumptions",
    "Confidence",
    "Fraction",
    "HardwareCatalog",
    "M",
    "OnPremAssumptions",
    "Positive",
    "Price",
    "PriceError",
    "RegionPrices",
    "ServerSpec",
    "V",
    "load_assumptions",
    "load_hardware",
    "load_region",
    "server_for",
    "shipped_regions",
]
