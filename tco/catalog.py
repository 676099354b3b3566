"""The price catalog and cost assumptions of the TCO engine: shipped data plus a strict loader.

The data ships beside this module (package data, read through ``Path(__file__).parent``):

* ``prices/aws-<region>.yaml``: AWS prices for one region (instances, EKS, NAT, EBS, S3,
  CloudWatch Logs, data transfer, Spot and Savings Plan factors);
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
any problem is one :class:`PriceError` line naming the field path and the fix. This module is
pure: no Pulumi, no network.
"""

from __future__ import annotations

import copy
import datetime
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any, Generic, Literal, NoReturn, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from tiers.errors import SpecError
from tiers.model import TeamSpec, Tier

Confidence = Literal["V", "S", "U", "A"]

DATA_DIR = Path(__file__).resolve().parent
PRICES_DIR = DATA_DIR / "prices"
ASSUMPTIONS_FILE = DATA_DIR / "assumptions" / "defaults.yaml"
HARDWARE_FILE = DATA_DIR / "assumptions" / "hardware.yaml"
_PRICE_FILE_PREFIX = "aws-"


class PriceError(SpecError):
    """A price, assumption or hardware problem, one line: ``<field>: <problem>; fix: <fix>``."""


@dataclass(frozen=True)
class Price:
    """An amount in USD per ``unit``, with where it came from."""

    amount_usd: float
    unit: str
    as_of: datetime.date
    source: str
    confidence: Confidence

    def cite(self) -> str:
        return f"catalog price as of {self.as_of.isoformat()}: {self.source}"


V = TypeVar("V", float, int, bool)


@dataclass(frozen=True)
class Assumed(Generic[V]):
    """A non-money assumption (a fraction, a factor, a count of years), with its source."""

    value: V
    unit: str
    as_of: datetime.date
    source: str
    confidence: Confidence

    def cite(self) -> str:
        return f"catalog assumption as of {self.as_of.isoformat()}: {self.source}"


# --------------------------------------------------------------------------------------------
# Loaded objects


@dataclass(frozen=True)
class RegionPrices:
    """AWS prices for one region. Factors (Spot, Savings Plan) are fractions of On-Demand."""

    region: str
    currency: str
    instance_hour: Mapping[str, Price]
    spot_factor: Price
    savings_plan_factor: Price
    eks_control_plane_hour: Price
    eks_extended_support_hour: Price
    nat_gateway_hour: Price
    nat_gateway_gb: Price
    ebs_gp3_gb_month: Price
    s3_standard_gb_month: Price
    s3_ia_gb_month: Price
    logs_ingest_gb: Price
    transfer_out_gb: Price

    def instance(self, instance_type: str) -> Price:
        """The On-Demand Linux price per hour of ``instance_type`` in this region."""
        try:
            return self.instance_hour[instance_type]
        except KeyError:
            raise PriceError(
                f"prices:instances.{instance_type}",
                f"no price for instance type {instance_type!r} in {self.region}",
                "add it to a price file and pass --prices FILE",
            ) from None

    def prices(self) -> Iterator[tuple[str, Price]]:
        """Every price in the region as (field path, price), instances first."""
        for name, price in self.instance_hour.items():
            yield f"instances.{name}", price
        for name in _REGION_SCALARS:
            yield name, getattr(self, name)


@dataclass(frozen=True)
class OnPremAssumptions:
    """Owning the servers instead of renting: facility, power and depreciation."""

    facility_factor: Assumed[float]  # x server price, for network, racks, cabling
    pue: Assumed[float]  # facility kWh per IT kWh
    electricity_usd_per_kwh: Price
    colocation_usd_per_kw_month: Price
    power_draw_fraction: Assumed[float]  # average draw / maximum power
    depreciation_years: Assumed[int]
    refresh_at_end_of_life: Assumed[bool]


@dataclass(frozen=True)
class Assumptions:
    """The non-price assumptions (``assumptions/defaults.yaml``), each keeping its source.

    ``people_usd_per_year`` is keyed by the :class:`~tiers.model.TeamSpec` roles;
    ``utilisation`` by pool role (notebook, training, inference, batch) plus ``system``.
    ``environment_share`` splits a tier's platform-wide costs (people, software, R&D,
    operations) and benefits between its dev, staging and prod stacks (shares sum to 1), so
    the three stacks of a tier together carry them exactly once.
    Software is a one-time licence (year 0) plus a yearly subscription. Operations keep the
    design's two lines: ``operations_cloud_usd_per_year`` is the design's on-demand cloud
    figure, which a priced cloud stack replaces with its resources (reference only), and
    ``operations_idc_usd_per_year`` is IDC hosting, power and bandwidth for owned servers.
    """

    people_usd_per_year: Mapping[str, Price]
    software_one_time_usd: Mapping[Tier, Price]
    software_usd_per_year: Mapping[Tier, Price]
    rnd_usd_per_year: Mapping[Tier, Price]
    operations_cloud_usd_per_year: Mapping[Tier, Price]
    operations_idc_usd_per_year: Mapping[Tier, Price]
    utilisation: Mapping[str, Assumed[float]]
    environment_share: Mapping[str, Assumed[float]]
    discount_rate: Assumed[float]
    years: Assumed[int]
    onprem: OnPremAssumptions

    def people_cost_usd_per_year(self, team: TeamSpec) -> float:
        """Loaded people cost of ``team`` per year: head count x cost, over all roles."""
        return sum(
            count * self.people_usd_per_year[role].amount_usd
            for role, count in team.by_role().items()
        )

    def utilisation_for(self, pool_role: str) -> Assumed[float]:
        """Fraction of hours a pool of ``pool_role`` runs (``system`` for the system pool)."""
        try:
            return self.utilisation[pool_role]
        except KeyError:
            raise PriceError(
                f"assumptions:utilisation.{pool_role}",
                f"no utilisation for pool role {pool_role!r} (known: {', '.join(self.utilisation)})",
                "add it under utilisation: in an assumptions file",
            ) from None


@dataclass(frozen=True)
class ServerSpec:
    """The on-prem server that stands in for a cloud instance type.

    ``instances_per_server`` is how many instances of the type one server replaces: 1 for
    GPU types, more for CPU types that are slices of a shared host.
    """

    instance_type: str
    description: str
    accelerator: str | None
    gpus: int
    instances_per_server: int
    unit_price: Price  # USD per server, before the facility factor
    max_power_kw: Assumed[float]  # kW per server (IT load, before PUE)

    @property
    def price_per_instance_usd(self) -> float:
        return self.unit_price.amount_usd / self.instances_per_server

    @property
    def max_power_kw_per_instance(self) -> float:
        return self.max_power_kw.value / self.instances_per_server


class HardwareCatalog(Mapping[str, ServerSpec]):
    """On-prem servers keyed by cloud instance type, plus the types that have none."""

    def __init__(self, servers: Mapping[str, ServerSpec], unavailable: Mapping[str, str]) -> None:
        self._servers = MappingProxyType(dict(servers))
        self._unavailable = MappingProxyType(dict(unavailable))

    def __getitem__(self, instance_type: str) -> ServerSpec:
        return self._servers[instance_type]

    def __iter__(self) -> Iterator[str]:
        return iter(self._servers)

    def __len__(self) -> int:
        return len(self._servers)

    @property
    def unavailable(self) -> Mapping[str, str]:
        """Instance types with no on-prem equivalent, and why."""
        return self._unavailable

    def server_for(self, instance_type: str) -> ServerSpec:
        """The server for ``instance_type``, or a :class:`PriceError` saying why there is none."""
        if instance_type in self._servers:
            return self._servers[instance_type]
        if instance_type in self._unavailable:
            raise PriceError(
                f"hardware:servers.{instance_type}",
                f"no on-prem equivalent for {instance_type!r}: {self._unavailable[instance_type]}",
                "keep this pool in the cloud, or add a server for it in a hardware file",
            )
        raise PriceError(
            f"hardware:servers.{instance_type}",
            f"no on-prem server for instance type {instance_type!r}",
            "add it under servers: in a hardware file (same schema as tco/assumptions/hardware.yaml)",
        )


# --------------------------------------------------------------------------------------------
# File schemas (pydantic, strict about keys)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


Positive = Annotated[float, Field(gt=0)]
Fraction = Annotated[float, Field(gt=0, le=1)]


class _Sourced(_Frozen):
    as_of: datetime.date
    source: Annotated[str, Field(min_length=1)]
    confidence: Confidence


class _PerHour(_Sourced):
    usd_per_hour: Positive


class _PerGb(_Sourced):
    usd_per_gb: Positive


class _PerGbMonth(_Sourced):
    usd_per_gb_month: Positive


class _Factor(_Sourced):
    fraction: Fraction


class _PriceFile(_Frozen):
    region: Annotated[str, Field(min_length=1)]
    currency: Literal["USD"]
    instances: dict[str, _PerHour]
    spot_factor: _Factor
    savings_plan_factor: _Factor
    eks_control_plane_hour: _PerHour
    eks_extended_support_hour: _PerHour
    nat_gateway_hour: _PerHour
    nat_gateway_gb: _PerGb
    ebs_gp3_gb_month: _PerGbMonth
    s3_standard_gb_month: _PerGbMonth
    s3_ia_gb_month: _PerGbMonth
    logs_ingest_gb: _PerGb
    transfer_out_gb: _PerGb


# RegionPrices field -> unit, for every price besides the instances
_REGION_SCALARS: dict[str, str] = {
    "spot_factor": "fraction of On-Demand",
    "savings_plan_factor": "fraction of On-Demand (3-year no-upfront Compute Savings Plan)",
    "eks_control_plane_hour": "USD/cluster-hour",
    "eks_extended_support_hour": "USD/cluster-hour",
    "nat_gateway_hour": "USD/gateway-hour",
    "nat_gateway_gb": "USD/GB processed",
    "ebs_gp3_gb_month": "USD/GB-month",
    "s3_standard_gb_month": "USD/GB-month",
    "s3_ia_gb_month": "USD/GB-month",
    "logs_ingest_gb": "USD/GB ingested",
    "transfer_out_gb": "USD/GB",
}


class _Usd(_Sourced):
    usd: Positive


class _UsdPerYear(_Sourced):
    usd_per_year: Positive


class _UsdPerKwh(_Sourced):
    usd_per_kwh: Positive


class _UsdPerKwMonth(_Sourced):
    usd_per_kw_month: Positive


class _FractionValue(_Sourced):
    value: Fraction
    unit: str


class _Rate(_Sourced):
    value: Annotated[float, Field(ge=0, lt=1)]
    unit: str


class _Years(_Sourced):
    value: Annotated[int, Field(ge=1, le=30)]
    unit: str


class _Multiplier(_Sourced):
    value: Annotated[float, Field(ge=1)]
    unit: str


class _Flag(_Sourced):
    value: bool
    unit: str


class _People(_Frozen):
    data_scientists: _UsdPerYear
    data_engineers: _UsdPerYear
    ml_engineers: _UsdPerYear
    mlops_engineers: _UsdPerYear


class _TierUsd(_Frozen):
    poc: _Usd
    intermediate: _Usd
    advanced: _Usd
    expert: _Usd


class _TierUsdPerYear(_Frozen):
    poc: _UsdPerYear
    intermediate: _UsdPerYear
    advanced: _UsdPerYear
    expert: _UsdPerYear


class _Utilisation(_Frozen):
    notebook: _FractionValue
    training: _FractionValue
    inference: _FractionValue
    batch: _FractionValue
    system: _FractionValue


class _EnvironmentShare(_Frozen):
    dev: _FractionValue
    staging: _FractionValue
    prod: _FractionValue

    @model_validator(mode="after")
    def _sums_to_one(self) -> _EnvironmentShare:
        total = self.dev.value + self.staging.value + self.prod.value
        if abs(total - 1) > 1e-9:
            raise ValueError(f"environment shares must sum to 1 (got {total:g})")
        return self


class _OnPrem(_Frozen):
    facility_factor: _Multiplier
    pue: _Multiplier
    electricity_usd_per_kwh: _UsdPerKwh
    colocation_usd_per_kw_month: _UsdPerKwMonth
    power_draw_fraction: _FractionValue
    depreciation_years: _Years
    refresh_at_end_of_life: _Flag


class _AssumptionsFile(_Frozen):
    people_usd_per_year: _People
    software_one_time_usd: _TierUsd
    software_usd_per_year: _TierUsdPerYear
    rnd_usd_per_year: _TierUsdPerYear
    operations_cloud_usd_per_year: _TierUsdPerYear
    operations_idc_usd_per_year: _TierUsdPerYear
    utilisation: _Utilisation
    environment_share: _EnvironmentShare
    discount_rate: _Rate
    years: _Years
    onprem: _OnPrem


class _PowerKw(_Sourced):
    value: Positive


class _Server(_Frozen):
    description: Annotated[str, Field(min_length=1)]
    accelerator: str | None = None
    gpus: Annotated[int, Field(ge=0)]
    instances_per_server: Annotated[int, Field(ge=1)] = 1
    unit_price: _Usd
    max_power_kw: _PowerKw


class _HardwareFile(_Frozen):
    servers: dict[str, _Server]
    no_onprem_equivalent: dict[str, Annotated[str, Field(min_length=1)]] = {}


# --------------------------------------------------------------------------------------------
# Loaders


def shipped_regions() -> tuple[str, ...]:
    """Regions with a shipped price file, sorted."""
    return tuple(
        sorted(
            p.stem.removeprefix(_PRICE_FILE_PREFIX)
            for p in PRICES_DIR.glob(f"{_PRICE_FILE_PREFIX}*.yaml")
        )
    )


def load_region(region: str, extra: Path | None = None) -> RegionPrices:
    """Prices for ``region``: the shipped file, overlaid by the user price file ``extra``."""
    shipped = PRICES_DIR / f"{_PRICE_FILE_PREFIX}{region}.yaml"
    base = _read_shipped(shipped, "prices") if shipped.exists() else None
    overlay = _read_user(extra, "prices") if extra is not None else None
    foreign = overlay is not None and overlay.get("region", region) != region
    if foreign:
        overlay = None  # the user file prices another region
    if base is None and overlay is None:
        known = ", ".join(shipped_regions())
        fix = f"pass --prices FILE with a complete price file for {region} (schema: {PRICES_DIR / 'aws-us-east-1.yaml'})"
        if foreign:
            fix = f"{extra} prices another region; {fix}"
        raise PriceError(
            "prices:region", f"no prices for region {region!r} (shipped: {known})", fix
        )
    document = _merge(base or {}, overlay or {})
    document.setdefault("region", region)
    model = _validate(
        _PriceFile, document, "prices", shipped if base is not None else None, extra, overlay
    )
    if model.region != region:
        raise PriceError(
            "prices:region",
            f"the price file for {region} says region {model.region!r}",
            f"set region: {region} in {shipped if base is not None else extra}",
        )
    return RegionPrices(
        region=model.region,
        currency=model.currency,
        instance_hour=MappingProxyType(
            {
                name: _price(entry.usd_per_hour, "USD/hour", entry)
                for name, entry in model.instances.items()
            }
        ),
        **{
            name: _region_scalar(getattr(model, name), unit)
            for name, unit in _REGION_SCALARS.items()
        },
    )


def load_assumptions(extra: Path | None = None) -> Assumptions:
    """The shipped assumptions, overlaid by the user assumptions file ``extra``."""
    overlay = _read_user(extra, "assumptions") if extra is not None else None
    document = _merge(_read_shipped(ASSUMPTIONS_FILE, "assumptions"), overlay or {})
    model = _validate(_AssumptionsFile, document, "assumptions", ASSUMPTIONS_FILE, extra, overlay)

    def per_tier(section: _TierUsd | _TierUsdPerYear, unit: str) -> Mapping[Tier, Price]:
        return MappingProxyType({tier: _money(getattr(section, tier.value), unit) for tier in Tier})

    onprem = model.onprem
    return Assumptions(
        people_usd_per_year=MappingProxyType(
            {role: _money(entry, "USD/person-year") for role, entry in model.people_usd_per_year}
        ),
        software_one_time_usd=per_tier(model.software_one_time_usd, "USD one-time"),
        software_usd_per_year=per_tier(model.software_usd_per_year, "USD/year"),
        rnd_usd_per_year=per_tier(model.rnd_usd_per_year, "USD/year"),
        operations_cloud_usd_per_year=per_tier(model.operations_cloud_usd_per_year, "USD/year"),
        operations_idc_usd_per_year=per_tier(model.operations_idc_usd_per_year, "USD/year"),
        utilisation=MappingProxyType({role: _assumed(entry) for role, entry in model.utilisation}),
        environment_share=MappingProxyType(
            {env: _assumed(entry) for env, entry in model.environment_share}
        ),
        discount_rate=_assumed(model.discount_rate),
        years=_assumed(model.years),
        onprem=OnPremAssumptions(
            facility_factor=_assumed(onprem.facility_factor),
            pue=_assumed(onprem.pue),
            electricity_usd_per_kwh=_price(
                onprem.electricity_usd_per_kwh.usd_per_kwh,
                "USD/kWh",
                onprem.electricity_usd_per_kwh,
            ),
            colocation_usd_per_kw_month=_price(
                onprem.colocation_usd_per_kw_month.usd_per_kw_month,
                "USD/kW-month",
                onprem.colocation_usd_per_kw_month,
            ),
            power_draw_fraction=_assumed(onprem.power_draw_fraction),
            depreciation_years=_assumed(onprem.depreciation_years),
            refresh_at_end_of_life=_assumed(onprem.refresh_at_end_of_life),
        ),
    )


def load_hardware(extra: Path | None = None) -> HardwareCatalog:
    """On-prem servers keyed by cloud instance type, overlaid by the user hardware file ``extra``."""
    overlay = _read_user(extra, "hardware") if extra is not None else None
    document = _merge(_read_shipped(HARDWARE_FILE, "hardware"), overlay or {})
    model = _validate(_HardwareFile, document, "hardware", HARDWARE_FILE, extra, overlay)
    servers = {
        name: ServerSpec(
            instance_type=name,
            description=server.description,
            accelerator=server.accelerator,
            gpus=server.gpus,
            instances_per_server=server.instances_per_server,
            unit_price=_price(server.unit_price.usd, "USD/server", server.unit_price),
            max_power_kw=Assumed(
                value=server.max_power_kw.value,
                unit="kW/server",
                as_of=server.max_power_kw.as_of,
                source=server.max_power_kw.source,
                confidence=server.max_power_kw.confidence,
            ),
        )
        for name, server in model.servers.items()
    }
    # a server a user adds for a listed type wins over the listing
    unavailable = {
        name: why for name, why in model.no_onprem_equivalent.items() if name not in servers
    }
    return HardwareCatalog(servers, unavailable)


def server_for(instance_type: str, hardware: HardwareCatalog | None = None) -> ServerSpec:
    """The on-prem server for ``instance_type`` (shipped hardware unless ``hardware`` is given)."""
    return (hardware if hardware is not None else load_hardware()).server_for(instance_type)


# --------------------------------------------------------------------------------------------
# Helpers


def _price(amount: float, unit: str, entry: _Sourced) -> Price:
    return Price(
        amount_usd=amount,
        unit=unit,
        as_of=entry.as_of,
        source=entry.source,
        confidence=entry.confidence,
    )


def _region_scalar(entry: _Sourced, unit: str) -> Price:
    amount = next(
        getattr(entry, key)
        for key in ("usd_per_hour", "usd_per_gb", "usd_per_gb_month", "fraction")
        if hasattr(entry, key)
    )
    return _price(amount, unit, entry)


def _money(entry: _Usd | _UsdPerYear, unit: str) -> Price:
    amount = entry.usd if isinstance(entry, _Usd) else entry.usd_per_year
    return _price(amount, unit, entry)


def _assumed(entry: _FractionValue | _Rate | _Years | _Multiplier | _Flag) -> Assumed[Any]:
    return Assumed(
        value=entry.value,
        unit=entry.unit,
        as_of=entry.as_of,
        source=entry.source,
        confidence=entry.confidence,
    )


@cache
def _shipped_document(path: Path, what: str) -> dict[str, Any]:
    return _read(path, what)


def _read_shipped(path: Path, what: str) -> dict[str, Any]:
    """A shipped file, parsed once; callers get their own copy to merge into."""
    return copy.deepcopy(_shipped_document(path, what))


def _read_user(path: Path | str, what: str) -> dict[str, Any]:
    return _read(Path(path), what)


def _read(path: Path, what: str) -> dict[str, Any]:
    where = f"{what}:{path}"
    try:
        text = path.read_text()
    except OSError as exc:
        raise PriceError(
            where,
            f"cannot read the file ({exc.strerror or exc})",
            "pass the path of an existing YAML file",
        ) from None
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        at = f" at line {line + 1}" if line is not None else ""
        raise PriceError(where, f"is not valid YAML{at}", "fix the YAML syntax") from None
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise PriceError(
            where,
            f"must be a mapping of keys to entries (got {type(document).__name__})",
            "see the shipped files under tco/ for the schema",
        )
    return document


def _is_entry(node: Mapping[str, Any]) -> bool:
    """An entry is a sourced value; overlays replace entries whole."""
    return "source" in node


def _merge(base: Mapping[str, Any], overlay: Mapping[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(dict(base))
    for key, value in overlay.items():
        current = merged.get(key)
        if isinstance(current, dict) and isinstance(value, dict) and not _is_entry(current):
            merged[key] = _merge(current, value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


M = TypeVar("M", bound=BaseModel)


def _validate(
    model: type[M],
    document: dict[str, Any],
    what: str,
    shipped: Path | None,
    extra: Path | None,
    overlay: Mapping[str, Any] | None,
) -> M:
    try:
        return model.model_validate(document)
    except ValidationError as exc:
        _raise_validation(exc, what, shipped, extra, overlay)


def _raise_validation(
    exc: ValidationError,
    what: str,
    shipped: Path | None,
    extra: Path | None,
    overlay: Mapping[str, Any] | None,
) -> NoReturn:
    errors = exc.errors()
    error = errors[0]
    loc = tuple(str(part) for part in error["loc"])
    field = ".".join(loc) or "<root>"
    from_user = overlay is not None and (
        shipped is None
        or _has_path(overlay, loc)
        or (len(loc) > 1 and _has_path(overlay, loc[:-1]))
    )
    origin = extra if from_user else shipped
    problem = _problem(error)
    if len(errors) > 1:
        problem += f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
    kind = error["type"]
    if kind == "extra_forbidden":
        fix = f"remove or rename it in {origin} (the shipped files under tco/ show every key)"
    elif kind == "missing":
        fix = f"add it in {origin}; an overriding entry replaces the shipped one whole, so give every key of the entry"
    else:
        fix = f"correct it in {origin}"
    raise PriceError(f"{what}:{field}", problem, fix) from None


def _problem(error: Mapping[str, Any]) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    got = error.get("input")
    bounds = {
        "greater_than": ">",
        "greater_than_equal": ">=",
        "less_than": "<",
        "less_than_equal": "<=",
    }
    if kind in bounds:
        limit = next(iter(ctx.values()))
        shown = f"{limit:g}" if isinstance(limit, int | float) else str(limit)
        return f"must be {bounds[kind]} {shown} (got {got!r})"
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "missing"
    message = str(error["msg"]).removeprefix("Value error, ").replace("Input should be", "must be")
    return f"{message} (got {got!r})"


def _has_path(document: Mapping[str, Any], path: tuple[str, ...]) -> bool:
    node: Any = document
    for part in path:
        if not isinstance(node, Mapping) or part not in node:
            return False
        node = node[part]
    return True
