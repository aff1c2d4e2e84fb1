"""What a post-training job's child process runs: ``plugstack_trl.job:run(params, reporter)``.

It sets the CPU threading environment before torch is imported (a busy-waiting OpenMP runtime
slows every step many times over when anything else runs), then hands over to the trainer, in
this process or, when the plan asks for several, in worker processes (`plugstack_trl.distributed`).
"""

import os
from typing import Any

from plugstack_trl.plan import TrainingPlan


def run(params: dict[str, Any], reporter: Any) -> dict[str, Any]:
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    plan = TrainingPlan.model_validate(params["plan"])
    if plan.num_threads:
        os.environ["OMP_NUM_THREADS"] = str(plan.num_threads)

    from plugstack_trl import distributed

    processes = distributed.world_size(plan)
    if processes > 1:
        return distributed.launch(plan, processes, reporter)

    from plugstack_trl.training import train

    result = train(plan, reporter)
    assert result is not None  # a single process is rank 0
    return result.model_dump(mode="json")
