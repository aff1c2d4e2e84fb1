"""The rows a run saves, and the dataset it saves them into.

SFT: one ``post-training/messages`` row per kept candidate, ``{"messages": dialog + [candidate]}``.
Preference: one ``post-training/preferences`` row per dialog with a kept candidate,
``{"prompt": dialog, "chosen": best kept, "rejected": worst generated}`` (the shape TRL's DPO
reads); a dialog whose best and worst candidates say the same thing gives no pair. Score ties
are broken in generation order.

A new ``dataset_id`` is registered (rows source) through the datasets routing table, on the
datasetio provider that takes inline rows; an existing one is appended to, through datasetio,
and must have the purpose the rows need.
"""

from typing import Any

from plugstack.apis.datasetio.models import AppendRowsRequest, Dataset, DatasetPurpose, RegisterDatasetRequest
from plugstack.apis.datasetio.protocol import DatasetIO
from plugstack.apis.inference.models import ChatMessage
from plugstack.apis.reward_scoring.models import ScoredMessage
from plugstack.apis.synthetic_data_generation.models import SaveAs
from plugstack.errors import BadRequestError, NotFoundError
from plugstack.registry.routing import RoutingTable

PURPOSES: dict[SaveAs, DatasetPurpose] = {"sft": "post-training/messages", "preference": "post-training/preferences"}
Row = dict[str, Any]


def _message(message: ChatMessage) -> dict[str, str]:
    return {"role": message.role, "content": message.text()}


def sft_rows(dialog: list[ChatMessage], kept: list[ScoredMessage]) -> list[Row]:
    prompt = [_message(message) for message in dialog]
    return [{"messages": [*prompt, _message(candidate.message)]} for candidate in kept]


def preference_row(dialog: list[ChatMessage], kept: list[ScoredMessage], generated: list[ScoredMessage]) -> Row | None:
    """Best kept against worst generated (``kept`` and ``generated`` best first)."""
    if not kept:
        return None
    chosen, rejected = _message(kept[0].message)["content"], _message(generated[-1].message)["content"]
    if chosen.strip() == rejected.strip():
        return None
    return {"prompt": [_message(message) for message in dialog], "chosen": chosen, "rejected": rejected}


def check_target(datasets: RoutingTable | None, dataset_id: str, save_as: SaveAs) -> bool:
    """Whether ``dataset_id`` exists (400 when it cannot take the rows); raised before any work."""
    if datasets is None:
        raise BadRequestError("dataset_id: this stack has no datasetio API to save datasets into")
    try:
        dataset = datasets.get(dataset_id)
    except NotFoundError:
        return False
    assert isinstance(dataset, Dataset)
    if dataset.purpose != PURPOSES[save_as] and not (save_as == "preference" and dataset.purpose == PURPOSES["sft"]):
        raise BadRequestError(
            f"dataset_id: dataset {dataset_id!r} has purpose {dataset.purpose!r}; "
            f"save_as {save_as!r} writes {PURPOSES[save_as]!r} rows"
        )
    return True


async def save(
    datasets: RoutingTable, datasetio: DatasetIO, dataset_id: str, save_as: SaveAs, rows: list[Row], model: str
) -> None:
    """Append ``rows`` to the dataset, registering it first when it does not exist."""
    if check_target(datasets, dataset_id, save_as):
        if rows:
            await datasetio.append_rows(AppendRowsRequest(dataset_id=dataset_id, rows=rows))
        return
    request = RegisterDatasetRequest(
        purpose=PURPOSES[save_as],
        source={"type": "rows", "rows": rows},
        dataset_id=dataset_id,
        metadata={"created_by": "synthetic_data_generation", "model": model},
    )
    await datasets.register(request)
