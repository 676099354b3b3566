"""The file schemas (pydantic, strict about keys) of the price, assumptions and hardware
files; :mod:`tco.catalog.loading` validates documents against them."""

from __future__ import annotations

import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tco.catalog.records import Confidence


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


class _PerMonth(_Sourced):
    usd_per_month: Positive


class _Factor(_Sourced):
    fraction: Fraction


class _Count(_Sourced):
    value: Positive
    unit: Annotated[str, Field(min_length=1)]


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
    # managed services beside the cluster; a stack that uses none needs none of them
    msk_brokers: dict[str, _PerHour] = {}
    msk_storage_gb_month: _PerGbMonth | None = None
    elasticache_valkey_nodes: dict[str, _PerHour] = {}
    # the FATE link between regions (expert): internal NLBs and a private hosted zone
    nlb_hour: _PerHour | None = None
    nlb_lcu_hour: _PerHour | None = None
    nlb_lcus_per_nlb: _Count | None = None
    route53_hosted_zone_month: _PerMonth | None = None


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
