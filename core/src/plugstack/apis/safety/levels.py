"""How serious a shield's finding is: a module of its own, so that safety providers' configs
(imported with every plugin, whenever a stack starts) do not build the API's models."""

from typing import Literal

ViolationLevel = Literal["info", "warn", "error"]
