"""The names of the provider APIs a run.yaml can bind."""

from enum import StrEnum


class Api(StrEnum):
    """An API that providers implement and run.yaml binds to provider instances."""

    inference = "inference"
    datasetio = "datasetio"
    scoring = "scoring"
    eval = "eval"
    post_training = "post_training"
    files = "files"
    agents = "agents"
    safety = "safety"
    vector_io = "vector_io"
    tool_runtime = "tool_runtime"
    batches = "batches"
    reward_scoring = "reward_scoring"
    synthetic_data_generation = "synthetic_data_generation"
