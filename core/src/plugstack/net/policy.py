"""The limits of fetching client-named URLs, as a provider's config embeds them.

Apart from the fetching itself (`plugstack.net.fetch`, which needs httpx), so that a provider's
config module stays light: every plugin's config is imported whenever a stack starts.
"""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, IPvAnyNetwork


class FetchPolicy(BaseModel):
    """Limits of fetching client-named URLs: embed it in a provider's config."""

    model_config = ConfigDict(extra="forbid")

    timeout_s: float = Field(default=60.0, gt=0, description="the whole fetch, redirects and body included")
    max_bytes: int = Field(default=1 << 30, gt=0, description="the largest body accepted")
    max_redirects: int = Field(default=5, ge=0, description="redirects followed, each checked like the first URL")
    allowed_networks: list[Annotated[IPvAnyNetwork, Field(description="e.g. 10.1.2.0/24")]] = Field(
        default_factory=list,
        description="addresses allowed although not public (an intranet data server); default none: only public "
        "addresses are fetched, never loopback, private, link-local, CGNAT, multicast or metadata ones",
    )
