"""A provider instance inside a running stack, with where it came from and how it is doing."""

import asyncio
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel

from plugstack.apis.names import Api
from plugstack.errors import ProviderUnavailableError
from plugstack.plugins import PluginInfo
from plugstack.spec import ProviderSpec

HEALTH_TIMEOUT_S = 2.0


class Health(BaseModel):
    status: Literal["OK", "Error", "Not Implemented"]
    message: str | None = None


@dataclass
class ProviderHandle:
    provider_id: str
    spec: ProviderSpec
    config: BaseModel
    origin: PluginInfo
    impl: Any = None
    error: str | None = None

    @property
    def api(self) -> Api:
        return self.spec.api

    @property
    def provider_type(self) -> str:
        return self.spec.provider_type

    def require(self) -> Any:
        """The instance, or a 503 saying why this provider is not running."""
        if self.impl is None:
            raise ProviderUnavailableError(
                f"provider {self.provider_id!r} ({self.provider_type}) is unavailable: {self.error}"
            )
        return self.impl

    async def health(self) -> Health:
        if self.impl is None:
            return Health(status="Error", message=self.error)
        check = getattr(self.impl, "health", None)
        if check is None:
            return Health(status="OK")
        try:
            result = await asyncio.wait_for(check(), HEALTH_TIMEOUT_S)
        except TimeoutError:
            return Health(status="Error", message=f"health check took over {HEALTH_TIMEOUT_S} s")
        except Exception as exc:  # noqa: BLE001 - a failing check is reported, never raised
            return Health(status="Error", message=f"{type(exc).__name__}: {exc}")
        return Health.model_validate(result, from_attributes=True)
