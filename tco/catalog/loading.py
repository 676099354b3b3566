"""Loaders of the shipped and user files: YAML reading, overlay merging, validation against
:mod:`tco.catalog.schema`, and one-line :class:`~tco.catalog.records.PriceError` messages."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, NoReturn, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from tco.catalog.records import (
    _REGION_SCALARS,
    Assumed,
    Assumptions,
    HardwareCatalog,
    OnPremAssumptions,
    Price,
    PriceError,
    RegionPrices,
    ServerSpec,
)
from tco.catalog.schema import (
    _AssumptionsFile,
    _Count,
    _Flag,
    _FractionValue,
    _HardwareFile,
    _Multiplier,
    _PerHour,
    _PriceFile,
    _Rate,
    _Sourced,
    _TierUsd,
    _TierUsdPerYear,
    _Usd,
    _UsdPerYear,
    _Years,
)
from tiers.model import Tier

# the data ships in tco/, beside this package
DATA_DIR = Path(__file__).resolve().parent.parent
PRICES_DIR = DATA_DIR / "prices"
ASSUMPTIONS_FILE = DATA_DIR / "assumptions" / "defaults.yaml"
HARDWARE_FILE = DATA_DIR / "assumptions" / "hardware.yaml"
_PRICE_FILE_PREFIX = "aws-"


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
        msk_broker_hour=_hourly(model.msk_brokers, "USD/broker-hour"),
        msk_storage=None
        if model.msk_storage_gb_month is None
        else _region_scalar(model.msk_storage_gb_month, "USD/GB-month"),
        elasticache_valkey_node_hour=_hourly(model.elasticache_valkey_nodes, "USD/node-hour"),
        nlb=_optional(model.nlb_hour, "USD/load balancer-hour"),
        nlb_lcu=_optional(model.nlb_lcu_hour, "USD/NLCU-hour"),
        nlb_lcus=None if model.nlb_lcus_per_nlb is None else _assumed(model.nlb_lcus_per_nlb),
        route53_zone=_optional(model.route53_hosted_zone_month, "USD/hosted zone-month"),
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


def _hourly(entries: Mapping[str, _PerHour], unit: str) -> Mapping[str, Price]:
    return MappingProxyType(
        {name: _price(entry.usd_per_hour, unit, entry) for name, entry in entries.items()}
    )


def _region_scalar(entry: _Sourced, unit: str) -> Price:
    amount = next(
        getattr(entry, key)
        for key in ("usd_per_hour", "usd_per_gb", "usd_per_gb_month", "usd_per_month", "fraction")
        if hasattr(entry, key)
    )
    return _price(amount, unit, entry)


def _optional(entry: _Sourced | None, unit: str) -> Price | None:
    return None if entry is None else _region_scalar(entry, unit)


def _money(entry: _Usd | _UsdPerYear, unit: str) -> Price:
    amount = entry.usd if isinstance(entry, _Usd) else entry.usd_per_year
    return _price(amount, unit, entry)


def _assumed(
    entry: _FractionValue | _Rate | _Years | _Multiplier | _Flag | _Count,
) -> Assumed[Any]:
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
