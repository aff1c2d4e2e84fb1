"""Attribute filters of vector store searches (OpenAI's ComparisonFilter and CompoundFilter).

Engines translate a filter into their own query language (SQL, a database's ``where``), so
filtering happens inside the nearest-neighbour search, never on a truncated result list.
"""

from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field

Comparison = Literal["eq", "ne", "gt", "gte", "lt", "lte"]


class ComparisonFilter(BaseModel):
    """``attributes[key] <type> value``; a chunk whose file lacks the key never matches."""

    model_config = ConfigDict(extra="forbid")

    type: Comparison
    key: str = Field(min_length=1, description="an attribute name")
    value: str | bool | int | float = Field(description="compared with the attribute's value")


class CompoundFilter(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["and", "or"]
    filters: list["Filter"] = Field(min_length=1, description="comparisons or further compounds")


Filter = Annotated[Union[ComparisonFilter, CompoundFilter], Field(discriminator="type")]  # noqa: UP007 - recursive alias
CompoundFilter.model_rebuild()
